#include "recorded_run.hpp"

#include <sstream>
#include <stdexcept>

namespace test::detail {
namespace {

// An expression as the body saw it: its result and its text with values expanded.
class replayed_expression final : public Catch::ITransientExpression {
 public:
  replayed_expression(bool is_binary, bool result, std::string text)
      : ITransientExpression(is_binary, result), text_(std::move(text)) {}
  void streamReconstructedExpression(std::ostream& os) const override { os << text_; }

 private:
  std::string text_;
};

}  // namespace

bool recorder::sectionStarted(Catch::SectionInfo const&, Catch::Counts&) {
  throw std::logic_error("SECTION is not supported in an ASYNC_TEST_CASE");
}

auto recorder::acquireGeneratorTracker(Catch::StringRef, Catch::SourceLineInfo const&) -> Catch::IGeneratorTracker& {
  throw std::logic_error("GENERATE is not supported in an ASYNC_TEST_CASE");
}

void recorder::pushScopedMessage(Catch::MessageInfo const& message) {
  run_.events.push_back([message](Catch::IResultCapture& to) { to.pushScopedMessage(message); });
}

void recorder::popScopedMessage(Catch::MessageInfo const& message) {
  run_.events.push_back([message](Catch::IResultCapture& to) { to.popScopedMessage(message); });
}

void recorder::emplaceUnscopedMessage(Catch::MessageBuilder const& builder) {
  Catch::MessageInfo info = builder.m_info;
  info.message = builder.m_stream.str();
  run_.events.push_back([info](Catch::IResultCapture& to) {
    Catch::MessageBuilder again(info.macroName, info.lineInfo, info.type);
    again << info.message;
    to.emplaceUnscopedMessage(again);
  });
}

void recorder::handleFatalErrorCondition(Catch::StringRef message) {
  std::string text(message);
  run_.events.push_back([text](Catch::IResultCapture& to) { to.handleFatalErrorCondition(text); });
}

void recorder::handleExpr(Catch::AssertionInfo const& info, Catch::ITransientExpression const& expr,
                          Catch::AssertionReaction& reaction) {
  bool is_binary = expr.isBinaryExpression();
  bool result = expr.getResult();
  const bool ok = result != Catch::isFalseTest(info.resultDisposition);
  // As Catch2's own run does: a passing expression is written out only when successes
  // are reported (-s). (Writing out a 16 MiB vector a passing CHECK compared took 14 s.)
  std::ostringstream text;
  if (!ok || Catch::getCurrentContext().getConfig()->includeSuccessfulResults())
    expr.streamReconstructedExpression(text);
  run_.events.push_back([info, is_binary, result, text = text.str()](Catch::IResultCapture& to) {
    Catch::AssertionReaction ignored;
    to.handleExpr(info, replayed_expression(is_binary, result, text), ignored);
  });
  outcome(info, ok, reaction);
}

void recorder::handleMessage(Catch::AssertionInfo const& info, Catch::ResultWas::OfType type,
                             Catch::StringRef const& message, Catch::AssertionReaction& reaction) {
  std::string text(message);
  run_.events.push_back([info, type, text](Catch::IResultCapture& to) {
    Catch::AssertionReaction ignored;
    to.handleMessage(info, type, text, ignored);
  });
  outcome(info, Catch::isOk(type), reaction);
}

void recorder::handleUnexpectedExceptionNotThrown(Catch::AssertionInfo const& info, Catch::AssertionReaction& reaction) {
  run_.events.push_back([info](Catch::IResultCapture& to) {
    Catch::AssertionReaction ignored;
    to.handleUnexpectedExceptionNotThrown(info, ignored);
  });
  outcome(info, false, reaction);
}

void recorder::handleUnexpectedInflightException(Catch::AssertionInfo const& info, std::string const& message,
                                                 Catch::AssertionReaction& reaction) {
  run_.events.push_back([info, message](Catch::IResultCapture& to) {
    Catch::AssertionReaction ignored;
    to.handleUnexpectedInflightException(info, message, ignored);
  });
  outcome(info, false, reaction);
}

void recorder::handleIncomplete(Catch::AssertionInfo const& info) {
  run_.events.push_back([info](Catch::IResultCapture& to) { to.handleIncomplete(info); });
  last_passed_ = false;
}

void recorder::handleNonExpr(Catch::AssertionInfo const& info, Catch::ResultWas::OfType type,
                             Catch::AssertionReaction& reaction) {
  run_.events.push_back([info, type](Catch::IResultCapture& to) {
    Catch::AssertionReaction ignored;
    to.handleNonExpr(info, type, ignored);
  });
  outcome(info, Catch::isOk(type), reaction);
}

void recorder::outcome(Catch::AssertionInfo const& info, bool ok, Catch::AssertionReaction& reaction) {
  last_passed_ = ok;
  if (!ok && (info.resultDisposition & Catch::ResultDisposition::Normal)) reaction.shouldThrow = true;
}

}  // namespace test::detail

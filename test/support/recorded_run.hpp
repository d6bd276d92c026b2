// What an async test body did, kept for its Catch2 test case to replay (async_test.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace test::detail {

struct recorded_run {
  // Each event re-reports one thing the body reported, to the running test case.
  std::vector<std::function<void(Catch::IResultCapture&)>> events;
  bool started = false;
  bool finished = false;
  std::exception_ptr ended_by;  // what the body threw (a failed REQUIRE, an exception)
};

// Catch2's assertion macros report to the current IResultCapture: while an async body
// runs, that is this recorder. It answers the macros as Catch2's RunContext would
// (a failed REQUIRE or FAIL throws to end the body) and records each report.
class recorder final : public Catch::IResultCapture {
 public:
  explicit recorder(recorded_run& run, std::string test_name) : run_(run), test_name_(std::move(test_name)) {}

  bool sectionStarted(Catch::SectionInfo const&, Catch::Counts&) override;
  void sectionEnded(Catch::SectionEndInfo const&) override {}
  void sectionEndedEarly(Catch::SectionEndInfo const&) override {}
  auto acquireGeneratorTracker(Catch::StringRef, Catch::SourceLineInfo const&) -> Catch::IGeneratorTracker& override;

  void pushScopedMessage(Catch::MessageInfo const& message) override;
  void popScopedMessage(Catch::MessageInfo const& message) override;
  void emplaceUnscopedMessage(Catch::MessageBuilder const& builder) override;
  void handleFatalErrorCondition(Catch::StringRef message) override;

  void handleExpr(Catch::AssertionInfo const& info, Catch::ITransientExpression const& expr,
                  Catch::AssertionReaction& reaction) override;
  void handleMessage(Catch::AssertionInfo const& info, Catch::ResultWas::OfType type, Catch::StringRef const& message,
                     Catch::AssertionReaction& reaction) override;
  void handleUnexpectedExceptionNotThrown(Catch::AssertionInfo const& info, Catch::AssertionReaction& reaction) override;
  void handleUnexpectedInflightException(Catch::AssertionInfo const& info, std::string const& message,
                                         Catch::AssertionReaction& reaction) override;
  void handleIncomplete(Catch::AssertionInfo const& info) override;
  void handleNonExpr(Catch::AssertionInfo const& info, Catch::ResultWas::OfType type,
                     Catch::AssertionReaction& reaction) override;

  bool lastAssertionPassed() override { return last_passed_; }
  void assertionPassed() override { last_passed_ = true; }
  std::string getCurrentTestName() const override { return test_name_; }
  const Catch::AssertionResult* getLastResult() const override { return nullptr; }
  void exceptionEarlyReported() override {}

 private:
  // Notes the outcome; a failure of a macro that stops the test (REQUIRE, FAIL) throws.
  void outcome(Catch::AssertionInfo const& info, bool ok, Catch::AssertionReaction& reaction);

  recorded_run& run_;
  std::string test_name_;
  bool last_passed_ = true;
};

}  // namespace test::detail

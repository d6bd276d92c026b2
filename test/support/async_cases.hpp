// For the test program's main (catch_main.cpp): the async phase. See async_test.hpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace test {

// Runs the async bodies of the named test cases, one after another on the event loop,
// recording what each reports; then calls `done`. Names without a body are skipped. A
// body not finished after `case_timeout_ms` fails its test case.
void run_async_bodies(const std::vector<std::string>& test_names, double case_timeout_ms, std::function<void()> done);

}  // namespace test

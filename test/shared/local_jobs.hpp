// Two closures both named (anonymous namespace)::Job, in two files: the test program
// links both, other_program only local_job_b.cpp. Each returns its file's letter.
#pragma once

#include <wasm_mt/thread.hpp>

namespace local_jobs {
wasm_mt::future<char> run_job_a(wasm_mt::thread& th);
wasm_mt::future<char> run_job_b(wasm_mt::thread& th);
}  // namespace local_jobs

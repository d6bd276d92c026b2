#include "local_jobs.hpp"

namespace {
struct Job {
  char operator()() const { return 'a'; }
};
WASM_MT_CLOSURE(Job)
}  // namespace

wasm_mt::future<char> local_jobs::run_job_a(wasm_mt::thread& th) { return th.exec(Job{}); }

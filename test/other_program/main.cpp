// A second program, linked separately from the test program. It registers the shared
// closures, and runs nothing itself: tests start it as a thread via program::from_url
// and program::from_buffers.
#include "shared_closures.hpp"

std::string shared::WhichProgram::operator()() const { return "other_program"; }

int main() {}

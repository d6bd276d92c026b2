#include "library_closures.hpp"

long long library_closures::Square::operator()() const { return x * x; }

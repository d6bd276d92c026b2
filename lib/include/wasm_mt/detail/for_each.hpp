// WASM_MT_DETAIL_FOR_EACH(m, x1, ..., xn) expands to m(0, x1) m(1, x2) ... (up to 24).
#pragma once

#define WASM_MT_DETAIL_EXPAND(...) __VA_ARGS__
#define WASM_MT_DETAIL_STRIP_PARENS(...) __VA_ARGS__
#define WASM_MT_DETAIL_COUNT(...)                                                          \
  WASM_MT_DETAIL_COUNT_(__VA_OPT__(__VA_ARGS__, ) 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, \
                        14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define WASM_MT_DETAIL_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, \
                              _16, _17, _18, _19, _20, _21, _22, _23, _24, n, ...)            \
  n
#define WASM_MT_DETAIL_CAT(a, b) WASM_MT_DETAIL_CAT_(a, b)
#define WASM_MT_DETAIL_CAT_(a, b) a##b
#define WASM_MT_DETAIL_FOR_EACH(m, ...) \
  WASM_MT_DETAIL_CAT(WASM_MT_DETAIL_FE_, WASM_MT_DETAIL_COUNT(__VA_ARGS__))(m, 0, __VA_ARGS__)

#define WASM_MT_DETAIL_FE_0(m, i, ...)
#define WASM_MT_DETAIL_FE_1(m, i, x) m(i, x)
#define WASM_MT_DETAIL_FE_2(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_1(m, 1, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_3(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_2(m, 2, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_4(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_3(m, 3, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_5(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_4(m, 4, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_6(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_5(m, 5, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_7(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_6(m, 6, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_8(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_7(m, 7, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_9(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_8(m, 8, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_10(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_9(m, 9, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_11(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_10(m, 10, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_12(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_11(m, 11, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_13(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_12(m, 12, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_14(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_13(m, 13, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_15(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_14(m, 14, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_16(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_15(m, 15, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_17(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_16(m, 16, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_18(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_17(m, 17, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_19(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_18(m, 18, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_20(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_19(m, 19, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_21(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_20(m, 20, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_22(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_21(m, 21, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_23(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_22(m, 22, __VA_ARGS__)
#define WASM_MT_DETAIL_FE_24(m, i, x, ...) m(i, x) WASM_MT_DETAIL_FE_23(m, 23, __VA_ARGS__)

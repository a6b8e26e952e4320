/*
 * lab_stub.h - the stub of a function a student writes in a lab, for code
 * outside src/mm (which has the same declaration in src/mm/mm_env.h).
 *
 * scripts/lab.sh replaces the body of each function marked for a lab with
 * a call to lab_not_implemented(__func__, "<lab>"), so a student tree
 * builds and then stops with "not implemented: <function> (lab <lab>)" at
 * the first call. The kernel implements it in src/kernel/panic.c.
 */
#ifndef LIB_LAB_STUB_H
#define LIB_LAB_STUB_H

__attribute__((noreturn)) void lab_not_implemented(const char *function, const char *lab);

#endif /* LIB_LAB_STUB_H */

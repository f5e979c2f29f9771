/*
 * cpu.h — what this x86-64 CPU can do, named as LLVM names target
 * features, so that an artifact compiled for features the host lacks is
 * refused instead of dying on an illegal instruction (aot_load.c).
 */
#ifndef KILN_CPU_H
#define KILN_CPU_H

#include "internal.h"

/* 1 if this CPU (and its OS, for AVX state) has feature `name`, 0 if it
 * lacks it, -1 if kiln cannot tell. */
int kiln_cpu_feature(const char *name, size_t len);

/* Checks a feature string "+a,-b,+c": every +feature kiln can tell about
 * must be present.  On failure *missing names the first one lacking. */
bool kiln_cpu_check(kiln_name features, kiln_name *missing);

/* The CPUID words that decide what LLVM takes this CPU for (vendor,
 * family and model; every feature leaf it reads) and the OS's AVX state,
 * as printable text: equal on every core and in every run, so a code
 * cache keys artifacts for "this machine" without asking LLVM (and so
 * without loading it).  KRT_CPU_ID_SIZE bytes, NUL included. */
#define KRT_CPU_ID_SIZE 512
KRT_ABI void krt_cpu_identity(char out[KRT_CPU_ID_SIZE]);

#endif /* KILN_CPU_H */

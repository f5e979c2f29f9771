/*
 * krt.h — the runtime as kiln's compiler sees it: the one runtime header
 * compiler/ includes (tests/layering/check_symbols.sh checks it).
 *
 * It brings in the compiled-code ABI and what lowering reads:
 *  - vmctx.h: the context compiled code gets, its offsets and helpers;
 *  - module.h: the decoded module, read-only once validated;
 *  - code.h: its compiled code, which the JIT fills (entries, publish);
 *  - interp.h: the interpreter, which fills it instead or beside the JIT
 *    (krt_interp_translate);
 *  - reader.h, opcode.h: re-reading function bodies, the opcode table;
 *  - trap.h, perfmap.h: registering JIT code for the fault handler and
 *    perf, raising a trap from a failed lazy compile;
 *  - artifact.h: the .kwasm layout the AOT emitter writes.
 *
 * These headers also declare runtime-private functions.  Of those, only
 * the ones listed in libkiln-runtime.map (the internal ABI, beside the
 * public API of include/kiln.h) are exported from libkiln-runtime.so; the
 * rest are hidden, and a compiler call to one fails to load.  To give the
 * compiler another runtime function, mark it KRT_ABI and list it
 * in libkiln-runtime.map; tests/layering/check_symbols.sh holds the
 * library to that list.
 */
#ifndef KILN_KRT_H
#define KILN_KRT_H

#include "internal.h"
#include "vmctx.h"
#include "module.h"
#include "code.h"
#include "interp.h"
#include "lines.h"
#include "reader.h"
#include "opcode.h"
#include "trap.h"
#include "perfmap.h"
#include "artifact.h"
#include "cpu.h"

#endif /* KILN_KRT_H */

import AcornCLI
import Foundation

// Every malloc arena (one per thread that allocates) starts with 64 MiB writable, and the main
// heap grows by as much at a time: glibc otherwise made an arena's next pages writable as it
// grew, an `mprotect` each time, under the memory-map lock the other threads' page faults
// wait on (a tenth of reading the payment lines of a million-line ledger). Only what is
// touched is resident.
// (`mallopt` and `M_TOP_PAD`, -2 in <malloc.h>, are not in Swift's Glibc module.)
if let mallopt = dlsym(dlopen(nil, RTLD_NOW), "mallopt") {
  _ = unsafeBitCast(mallopt, to: (@convention(c) (Int32, Int32) -> Int32).self)(-2, 64 << 20)
}
exit(Acorn.execute())

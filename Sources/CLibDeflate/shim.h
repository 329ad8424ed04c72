#ifndef ACORN_CLIBDEFLATE_SHIM_H
#define ACORN_CLIBDEFLATE_SHIM_H
#include <libdeflate.h>
#endif

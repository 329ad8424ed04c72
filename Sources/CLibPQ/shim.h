#ifndef ACORN_CLIBPQ_SHIM_H
#define ACORN_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif

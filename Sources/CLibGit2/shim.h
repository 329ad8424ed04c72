#ifndef ACORN_CLIBGIT2_SHIM_H
#define ACORN_CLIBGIT2_SHIM_H
#include <git2.h>
#endif

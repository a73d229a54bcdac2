// Force-included into every file of a libncsim build (-include): Verilator's console output
// (VL_PRINTF/VL_VPRINTF: $display, $error, the message before a $fatal's $stop) goes through libncsim,
// which prints it as usual and keeps the last line so an error report can quote it.
#pragma once
#include <cstdarg>

int ncsim_vl_printf(const char* fmt, ...);
int ncsim_vl_vprintf(const char* fmt, va_list ap);

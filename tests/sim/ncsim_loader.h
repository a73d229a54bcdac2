// Loads a libncsim build with dlopen and resolves its C ABI into a table of function pointers, the way a
// foreign-function interface does (tests and the speed benchmark pick the library file at run time).
#pragma once

#include <dlfcn.h>

#include <string>

#include "ncsim.h"

struct NcsimApi {
    void* handle = nullptr;
    std::string error;
#define NCSIM_FN(name) decltype(&::name) name = nullptr;
    NCSIM_FN(ncsim_abi_version)
    NCSIM_FN(ncsim_device_name)
    NCSIM_FN(ncsim_has_tracing)
    NCSIM_FN(ncsim_config_init)
    NCSIM_FN(ncsim_create)
    NCSIM_FN(ncsim_shutdown)
    NCSIM_FN(ncsim_destroy)
    NCSIM_FN(ncsim_mmio_read)
    NCSIM_FN(ncsim_mmio_write)
    NCSIM_FN(ncsim_dma_map)
    NCSIM_FN(ncsim_dma_unmap)
    NCSIM_FN(ncsim_wait_irq)
    NCSIM_FN(ncsim_set_irq_callback)
    NCSIM_FN(ncsim_cycles)
    NCSIM_FN(ncsim_get_link_stats)
    NCSIM_FN(ncsim_get_nic_stats)
    NCSIM_FN(ncsim_pause)
    NCSIM_FN(ncsim_resume)
    NCSIM_FN(ncsim_step)
    NCSIM_FN(ncsim_wait_cycle)
    NCSIM_FN(ncsim_last_error)
    NCSIM_FN(ncsim_clear_error)
    NCSIM_FN(ncsim_inject_frame)
#undef NCSIM_FN

    bool load(const std::string& path) {
        handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) { error = dlerror(); return false; }
#define NCSIM_SYM(name)                                                        \
    name = reinterpret_cast<decltype(name)>(dlsym(handle, #name));              \
    if (!name) { error = std::string("missing symbol ") + #name; return false; }
        NCSIM_SYM(ncsim_abi_version)
        NCSIM_SYM(ncsim_device_name)
        NCSIM_SYM(ncsim_has_tracing)
        NCSIM_SYM(ncsim_config_init)
        NCSIM_SYM(ncsim_create)
        NCSIM_SYM(ncsim_shutdown)
        NCSIM_SYM(ncsim_destroy)
        NCSIM_SYM(ncsim_mmio_read)
        NCSIM_SYM(ncsim_mmio_write)
        NCSIM_SYM(ncsim_dma_map)
        NCSIM_SYM(ncsim_dma_unmap)
        NCSIM_SYM(ncsim_wait_irq)
        NCSIM_SYM(ncsim_set_irq_callback)
        NCSIM_SYM(ncsim_cycles)
        NCSIM_SYM(ncsim_get_link_stats)
        NCSIM_SYM(ncsim_get_nic_stats)
        NCSIM_SYM(ncsim_pause)
        NCSIM_SYM(ncsim_resume)
        NCSIM_SYM(ncsim_step)
        NCSIM_SYM(ncsim_wait_cycle)
        NCSIM_SYM(ncsim_last_error)
        NCSIM_SYM(ncsim_clear_error)
        NCSIM_SYM(ncsim_inject_frame)
#undef NCSIM_SYM
        return true;
    }

    std::string last_error(ncsim_t* s) const {
        char b[1024];
        ncsim_last_error(s, b, sizeof b);
        return b;
    }
};

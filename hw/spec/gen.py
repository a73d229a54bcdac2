#!/usr/bin/env python3
"""Generate the SystemVerilog package, the C# spec types, the C header (simulator and C++ testbenches)
and the docs tables from hw/spec/netchannel.toml.

usage: gen.py [--check]

--check  writes nothing; exits 1 and names every file whose committed text differs from what this
         script would write (the generated files are committed so they can be read and reviewed).
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "hw/spec/netchannel.toml"
SV_OUT = ROOT / "hw/rtl/generated/nc_pkg.sv"
CS_OUT = ROOT / "host/NetChannel/Wire/Generated/Spec.g.cs"
DOC_OUT = ROOT / "docs/protocol.md"
C_OUT = ROOT / "sim/include/nc_spec.h"
DOC_BEGIN = "<!-- BEGIN GENERATED from hw/spec/netchannel.toml by hw/spec/gen.py; do not edit by hand -->"
DOC_END = "<!-- END GENERATED -->"

HEADER_NOTE = "Generated from hw/spec/netchannel.toml by hw/spec/gen.py. Do not edit: edit the spec and run `make gen`."


# C++ words Verilator refuses as symbol names (SYMRSVDWORD), besides the SystemVerilog keywords
CXX_WORDS = {"queue", "delete", "new", "this", "namespace", "template", "operator", "private", "public", "protected"}

SV_KEYWORDS = CXX_WORDS | {"type", "int", "logic", "bit", "byte", "reg", "wire", "string", "class", "event", "input", "output",
               "module", "begin", "end", "case", "default", "const", "enum", "struct", "union", "virtual",
               "interface", "package", "function", "task", "return", "signed", "unsigned", "real", "time",
               "priority", "unique", "final", "inside", "dist", "bind", "assert", "cover", "property"}


class SpecError(Exception):
    pass


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:].lower() for p in name.split("_"))


def cs_uint(bits: int) -> str:
    if bits <= 8:
        return "byte"
    if bits <= 16:
        return "ushort"
    if bits <= 32:
        return "uint"
    if bits <= 64:
        return "ulong"
    raise SpecError(f"field of {bits} bits is wider than 64")


# --------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------
class Field:
    def __init__(self, fmt: "Format", d: dict, bit_off: int):
        self.fmt = fmt
        self.name: str = d["name"]
        self.bits: int = d["bits"]
        self.kind: str = d.get("kind", "var")
        self.value = d.get("value")
        self.enum: str | None = d.get("enum")
        self.check: bool = d.get("check", False)
        self.doc: str = d.get("doc", "")
        self.bit_off = bit_off  # from the start of the format, in wire order (big) / from byte 0 (little)
        if self.kind not in ("var", "const", "computed", "reserved"):
            raise SpecError(f"{fmt.name}.{self.name}: unknown kind {self.kind}")
        if self.kind == "const" and self.value is None:
            raise SpecError(f"{fmt.name}.{self.name}: const field needs a value")

    @property
    def byte_off(self) -> int:
        return self.bit_off // 8

    @property
    def aligned(self) -> bool:
        return self.bit_off % 8 == 0 and self.bits % 8 == 0


class Format:
    def __init__(self, d: dict):
        self.name: str = d["name"]
        self.cs: str = d["cs"]
        self.endian: str = d["endian"]
        self.doc: str = d.get("doc", "")
        self.fields: list[Field] = []
        off = 0
        for fd in d["fields"]:
            f = Field(self, fd, off)
            if self.endian == "little" and not f.aligned:
                raise SpecError(f"{self.name}.{f.name}: little-endian fields must be byte-aligned")
            self.fields.append(f)
            off += f.bits
        if off % 8:
            raise SpecError(f"format {self.name} is {off} bits, not whole bytes")
        self.bits = off

    @property
    def size(self) -> int:
        return self.bits // 8

    @property
    def sv(self) -> str:
        return f"nc_{self.name}_t" if self.endian == "little" else f"nc_{self.name}_hdr_t"


ACCESS = ("rw", "ro", "wo", "snap")


class RegField:
    def __init__(self, reg: "Register", d: dict, spec_consts: dict, meta: dict):
        self.reg = reg
        self.name: str = d["name"]
        self.lsb: int = d["lsb"]
        self.width: int = d.get("width", 1)
        self.enum: str | None = d.get("enum")
        self.doc: str = d.get("doc", "")
        r = d.get("reset")
        if isinstance(r, str):
            if r == "SPEC_VERSION":
                r = meta["spec_version"]
            elif r in spec_consts:
                r = spec_consts[r]["value"]
            else:
                raise SpecError(f"register {reg.name}.{self.name}: unknown reset constant {r}")
        # A writable field resets to 0 unless told otherwise; a read-only field without a reset value
        # reports something the spec does not fix (a synthesis parameter, a live state).
        self.reset: int | None = r if r is not None else (0 if reg.access == "rw" else None)
        if self.name in SV_KEYWORDS:
            raise SpecError(f"register {reg.name}: field name {self.name} is a SystemVerilog keyword")
        if self.lsb < 0 or self.width < 1 or self.lsb + self.width > 32:
            raise SpecError(f"register {reg.name}.{self.name}: bits {self.lsb}+{self.width} outside 0..31")
        if self.reset is not None and self.reset >= (1 << self.width):
            raise SpecError(f"register {reg.name}.{self.name}: reset {self.reset} does not fit {self.width} bits")

    @property
    def msb(self) -> int:
        return self.lsb + self.width - 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb

    @property
    def bits_text(self) -> str:
        return f"[{self.lsb}]" if self.width == 1 else f"[{self.msb}:{self.lsb}]"


class Register:
    def __init__(self, d: dict, consts: dict, meta: dict):
        self.name: str = d["name"]
        self.addr: int = d["addr"]
        self.access: str = d["access"]
        self.doc: str = d.get("doc", "")
        self.count: int | None = d.get("count")
        self.counter: bool = d.get("counter", False)
        if self.access not in ACCESS:
            raise SpecError(f"register {self.name}: access {self.access} is not one of {', '.join(ACCESS)}")
        self.fields = [RegField(self, f, consts, meta) for f in d.get("fields", [])]
        if not self.fields:
            raise SpecError(f"register {self.name}: no fields")
        used = 0
        for f in self.fields:
            if used & f.mask:
                raise SpecError(f"register {self.name}: field {f.name} overlaps another")
            used |= f.mask
        self.fields.sort(key=lambda f: f.lsb)

    @property
    def mask(self) -> int:
        m = 0
        for f in self.fields:
            m |= f.mask
        return m

    @property
    def reset(self) -> int | None:
        """The register's value after reset; None when a field's is not fixed by the spec."""
        v = 0
        for f in self.fields:
            if f.reset is None:
                return None
            v |= f.reset << f.lsb
        return v

    @property
    def cs(self) -> str:
        return pascal(self.name) + "Register"


class Spec:
    def __init__(self, d: dict):
        self.meta = d["meta"]
        self.consts: dict[str, dict] = d["constants"]
        self.enums: dict[str, dict] = d["enums"]
        self.formats = [Format(f) for f in d["formats"]]
        self.fmt = {f.name: f for f in self.formats}
        self.frame = d["frame"]
        self.frame_parts = [self.fmt[p] for p in self.frame["parts"]]
        self.regs_doc = d["registers"]["doc"]
        self.counters = d["counters"]["list"]
        self.counters_doc = d["counters"]["doc"]
        self.counter_base = d["counters"]["base"]
        regs = [Register(r, self.consts, self.meta) for r in d["registers"]["regs"]]
        for i, c in enumerate(self.counters):
            a = self.counter_base + 8 * i
            regs.append(Register({"name": f"CNT_{c['name']}_LO", "addr": a, "access": "snap", "doc": c["doc"], "counter": True,
                                  "fields": [{"name": "count", "lsb": 0, "width": 32, "doc": "Low 32 bits (reading it snapshots the counter)"}]},
                                 self.consts, self.meta))
            regs.append(Register({"name": f"CNT_{c['name']}_HI", "addr": a + 4, "access": "ro", "doc": "", "counter": True,
                                  "fields": [{"name": "count", "lsb": 0, "width": 32, "doc": "High 32 bits of the snapshot"}]},
                                 self.consts, self.meta))
        self.regs = sorted(regs, key=lambda r: r.addr)
        self.validate()

    def const_value(self, v) -> int:
        if isinstance(v, int):
            return v
        if v not in self.consts:
            raise SpecError(f"unknown constant {v}")
        return self.consts[v]["value"]

    def frame_offset(self, fmt: Format) -> int:
        off = 0
        for p in self.frame_parts:
            if p is fmt:
                return off
            off += p.size
        raise SpecError(f"{fmt.name} is not part of the frame")

    def validate(self) -> None:
        hdr = sum(p.size for p in self.frame_parts)
        if hdr != self.consts["FRAME_HDR_BYTES"]["value"]:
            raise SpecError(f"frame headers are {hdr} bytes but FRAME_HDR_BYTES says otherwise")
        for f in self.formats:
            for fl in f.fields:
                if fl.name in SV_KEYWORDS:
                    raise SpecError(f"{f.name}.{fl.name}: the field name is a SystemVerilog keyword")
        if self.consts["MAX_FRAME_BYTES"]["value"] != hdr + self.consts["MAX_PAYLOAD_BYTES"]["value"] + self.consts["ICRC_BYTES"]["value"]:
            raise SpecError("MAX_FRAME_BYTES != FRAME_HDR_BYTES + MAX_PAYLOAD_BYTES + ICRC_BYTES")
        icrc_start = sum(f.size for f in self.frame_parts[: [p.name for p in self.frame_parts].index("cth")])
        if self.consts["ICRC_START"]["value"] != icrc_start:
            raise SpecError(f"ICRC_START must be {icrc_start}, the transport header's frame offset")
        for name, c in self.consts.items():
            if "bits" in c and c["value"] >= (1 << c["bits"]):
                raise SpecError(f"constant {name} does not fit {c['bits']} bits")
        for en, e in self.enums.items():
            seen = set()
            for v in e["values"]:
                if v["value"] >= (1 << e["bits"]) or v["value"] in seen:
                    raise SpecError(f"enum {en}: value {v['name']} out of range or repeated")
                seen.add(v["value"])
        for f in self.formats:
            for fl in f.fields:
                if fl.enum and self.enums[fl.enum]["bits"] != fl.bits:
                    raise SpecError(f"{f.name}.{fl.name}: enum {fl.enum} width differs from the field")
                if fl.kind == "const":
                    self.const_value(fl.value)
        addrs = set()
        for r in self.regs:
            for i in range(r.count or 1):
                a = r.addr + 4 * i
                if a % 4 or a in addrs:
                    raise SpecError(f"register {r.name} address {a:#x} unaligned or repeated")
                addrs.add(a)
            for f in r.fields:
                if f.enum:
                    if f.enum not in self.enums:
                        raise SpecError(f"register {r.name}.{f.name}: unknown enum {f.enum}")
                    if self.enums[f.enum]["bits"] != f.width:
                        raise SpecError(f"register {r.name}.{f.name}: enum {f.enum} is {self.enums[f.enum]['bits']} bits, the field {f.width}")
        names = [c["name"] for c in self.counters]
        if len(set(names)) != len(names):
            raise SpecError("counters: a name is repeated")


# --------------------------------------------------------------------------------------------------
# SystemVerilog
# --------------------------------------------------------------------------------------------------
def sv_lit(bits: int, v: int) -> str:
    return f"{bits}'h{v:0{(bits + 3) // 4}X}"


def gen_sv(s: Spec) -> str:
    o: list[str] = []
    w = o.append
    w(f"// {HEADER_NOTE}")
    w("// Waiver (this file only, one message): the package defines every constant of the spec, and no single")
    w("// module uses them all, so Verilator -Wall would report each unused one as UNUSEDPARAM.")
    w("// verilator lint_off UNUSEDPARAM")
    w("`default_nettype none")
    w("")
    w("package nc_pkg;")
    w("")
    w(f"  localparam int NC_SPEC_VERSION = {s.meta['spec_version']};")
    w("")
    w("  // ---- constants ----")
    for name, c in s.consts.items():
        if "bits" in c:
            w(f"  localparam logic [{c['bits'] - 1}:0] NC_{name} = {sv_lit(c['bits'], c['value'])};  // {c['doc']}")
        else:
            w(f"  localparam int NC_{name} = {c['value']};  // {c['doc']}")
    w("")
    w("  // ---- enumerations ----")
    for en, e in s.enums.items():
        bits = e["bits"]
        prefix = f"NC_{en.upper()}"
        if e.get("flags"):
            for v in e["values"]:
                w(f"  localparam logic [{bits - 1}:0] {prefix}_{v['name']} = {sv_lit(bits, v['value'])};  // {v['doc']}")
        else:
            w(f"  typedef enum logic [{bits - 1}:0] {{")
            for i, v in enumerate(e["values"]):
                comma = "," if i + 1 < len(e["values"]) else ""
                w(f"    {prefix}_{v['name']} = {sv_lit(bits, v['value'])}{comma}  // {v['doc']}")
            w(f"  }} nc_{en}_e;")
            w(f"  localparam int {prefix}_COUNT = {max(v['value'] for v in e['values']) + 1};")
        w("")
    w("  // ---- formats ----")
    w("  // Wire formats: a packed struct lists the fields in wire order, so its bits are the header in")
    w("  // network order (wire byte 0 = the top byte). *_to_lanes / *_from_lanes convert to AXI-Stream lane")
    w("  // order (wire byte 0 in bits [7:0]). DMA formats (little-endian) list byte 0 last, so their struct")
    w("  // bits are already in lane order.")
    for f in s.formats:
        w("")
        w(f"  // {f.cs}: {f.doc}")
        w(f"  localparam int NC_{f.name.upper()}_BYTES = {f.size};")
        fields = f.fields if f.endian == "big" else list(reversed(f.fields))
        w("  typedef struct packed {")
        for fl in fields:
            t = f"nc_{fl.enum}_e" if fl.enum and not s.enums[fl.enum].get("flags") else f"logic [{fl.bits - 1}:0]"
            w(f"    {t} {fl.name};  // byte {fl.byte_off}{'' if fl.aligned else f' bit {fl.bit_off % 8}'}: {fl.doc}")
        w(f"  }} {f.sv};")
        if f.endian == "big":
            off = s.frame_offset(f) if f in s.frame_parts else None
            for fl in f.fields:
                if off is not None and fl.aligned:
                    w(f"  localparam int NC_OFF_{f.name.upper()}_{fl.name.upper()} = {off + fl.byte_off};  // frame byte offset")
    w("")
    parts = s.frame_parts
    total = sum(p.size for p in parts)
    w(f"  // {s.frame['cs']}: every header in front of the payload, {total} bytes.")
    w("  typedef struct packed {")
    for p in parts:
        w(f"    {p.sv} {p.name};")
    w(f"  }} {s.frame['sv']};")
    for p in parts:
        w(f"  localparam int NC_OFF_{p.name.upper()} = {s.frame_offset(p)};  // frame byte offset of {p.cs}")
    w("")
    for tname, nbytes in [(s.frame["sv"], total)] + [(p.sv, p.size) for p in parts]:
        base = tname[:-2]
        w(f"  function automatic logic [{nbytes * 8 - 1}:0] {base}_to_lanes({tname} h);")
        w(f"    logic [{nbytes * 8 - 1}:0] l;")
        w(f"    for (int i = 0; i < {nbytes}; i++) l[8*i +: 8] = h[8*({nbytes - 1}-i) +: 8];")
        w("    return l;")
        w("  endfunction")
        w(f"  function automatic {tname} {base}_from_lanes(logic [{nbytes * 8 - 1}:0] l);")
        w(f"    logic [{nbytes * 8 - 1}:0] h;")
        w(f"    for (int i = 0; i < {nbytes}; i++) h[8*({nbytes - 1}-i) +: 8] = l[8*i +: 8];")
        w(f"    return {tname}'(h);")
        w("  endfunction")
    w("")
    w("  // ---- register map (byte addresses) ----")
    for r in s.regs:
        w(f"  localparam logic [15:0] NC_REG_{r.name} = {sv_lit(16, r.addr)};  // {r.access}: {r.doc}")
        if r.count:
            w(f"  localparam int NC_REG_{r.name}_COUNT = {r.count};")
    w("")
    w("  // ---- register fields ----")
    w("  // One packed struct per register (bit 31 first, reserved bits named rsvd*), its reset value and the")
    w("  // mask of the bits its fields occupy. Counters (CNT_*) and arrays of one 32-bit field have none.")
    for r in s.regs:
        if r.counter or (len(r.fields) == 1 and r.fields[0].width == 32 and r.count):
            continue
        w(f"  typedef struct packed {{  // {r.name}")
        top, n = 31, 0
        for f in sorted(r.fields, key=lambda f: -f.lsb):
            if f.msb < top:
                w(f"    logic [{top - f.msb - 1}:0] rsvd{n};" if top - f.msb > 1 else f"    logic rsvd{n};")
                n += 1
            t = f"nc_{f.enum}_e" if f.enum else ("logic" if f.width == 1 else f"logic [{f.width - 1}:0]")
            w(f"    {t} {f.name};  // {f.bits_text} {f.doc}")
            top = f.lsb - 1
        if top >= 0:
            w(f"    logic [{top}:0] rsvd{n};" if top > 0 else f"    logic rsvd{n};")
        w(f"  }} nc_reg_{r.name.lower()}_t;")
        if r.reset is not None:
            w(f"  localparam logic [31:0] NC_REG_{r.name}_RESET = {sv_lit(32, r.reset)};")
        w(f"  localparam logic [31:0] NC_REG_{r.name}_MASK = {sv_lit(32, r.mask)};")
    w("")
    w("  // ---- counters: index i is CNT_BASE + 8 i ----")
    w(f"  localparam logic [15:0] NC_CNT_BASE = {sv_lit(16, s.counter_base)};")
    w("  typedef enum int {")
    for i, c in enumerate(s.counters):
        comma = "," if i + 1 < len(s.counters) else ""
        w(f"    NC_CNT_{c['name']} = {i}{comma}  // {c['doc']}")
    w("  } nc_counter_e;")
    w(f"  localparam int NC_CNT_COUNT = {len(s.counters)};")
    w("")
    w("endpackage")
    w("")
    w("`default_nettype wire")
    w("// verilator lint_on UNUSEDPARAM")
    return "\n".join(o) + "\n"



# --------------------------------------------------------------------------------------------------
# C / C++ (the simulator and the C++ testbenches)
# --------------------------------------------------------------------------------------------------
def gen_c(s: Spec) -> str:
    o: list[str] = []
    w = o.append
    w(f"/* {HEADER_NOTE} */")
    w("/* Constants, enumerations, byte offsets of every field and the register map, for C and C++. */")
    w("#ifndef NC_SPEC_H")
    w("#define NC_SPEC_H")
    w("")
    w("#include <stdint.h>")
    w("")
    w(f"#define NC_SPEC_VERSION {s.meta['spec_version']}")
    w("")
    w("/* ---- constants ---- */")
    for name, c in s.consts.items():
        w(f"#define NC_{name} 0x{c['value']:X}u  /* {c['doc']} */")
    w("")
    w("/* ---- enumerations ---- */")
    for en, e in s.enums.items():
        for v in e["values"]:
            w(f"#define NC_{en.upper()}_{v['name']} 0x{v['value']:X}u")
        w("")
    w("/* ---- formats: size and the byte offset of every byte-aligned field ----")
    w(" * wire formats: offsets within the header (big-endian fields); NC_OFF_* also within the frame")
    w(" * DMA formats: offsets within the little-endian structure */")
    for f in s.formats:
        w(f"#define NC_{f.name.upper()}_BYTES {f.size}")
        for fl in f.fields:
            if fl.aligned:
                w(f"#define NC_{f.name.upper()}_{fl.name.upper()}_OFF {fl.byte_off}  /* {fl.bits} bits */")
        if f in s.frame_parts:
            w(f"#define NC_OFF_{f.name.upper()} {s.frame_offset(f)}")
        w("")
    w("/* ---- register map (byte addresses) and fields (LSB, width, reset) ---- */")
    for r in s.regs:
        w(f"#define NC_REG_{r.name} 0x{r.addr:04X}u  /* {r.access} */")
        if r.counter:
            continue
        for f in r.fields:
            if len(r.fields) == 1 and f.width == 32:
                continue
            w(f"#define NC_REG_{r.name}_{f.name.upper()}_LSB {f.lsb}")
            w(f"#define NC_REG_{r.name}_{f.name.upper()}_WIDTH {f.width}")
        if r.reset is not None:
            w(f"#define NC_REG_{r.name}_RESET 0x{r.reset:08X}u")
    w("")
    w("/* ---- register values from fields (nc_reg_<name>(fields, lowest first)) and fields from values ---- */")
    for r in s.regs:
        if r.counter or len(r.fields) < 2:
            continue
        args = ", ".join(f"uint32_t {f.name}" for f in r.fields)
        expr = " | ".join(f"((uint32_t)({f.name} & 0x{(1 << f.width) - 1:X}u) << {f.lsb})" for f in r.fields)
        w(f"static inline uint32_t nc_reg_{r.name.lower()}({args}) {{ return {expr}; }}")
        for f in r.fields:
            w(f"#define NC_REG_{r.name}_{f.name.upper()}_OF(v) ((uint32_t)(((v) >> {f.lsb}) & 0x{(1 << f.width) - 1:X}u))")
    w("")
    w("/* ---- counters: index i is NC_CNT_BASE + 8 i ---- */")
    w(f"#define NC_CNT_BASE 0x{s.counter_base:04X}u")
    for i, c in enumerate(s.counters):
        w(f"#define NC_CNT_{c['name']} {i}")
    w(f"#define NC_CNT_COUNT {len(s.counters)}")
    w("")
    w("#endif /* NC_SPEC_H */")
    return "\n".join(o) + "\n"

# --------------------------------------------------------------------------------------------------
# C#
# --------------------------------------------------------------------------------------------------
def cs_doc(text: str, indent: str) -> list[str]:
    t = " ".join(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split())
    return [f"{indent}/// <summary>{t}</summary>"]


def cs_field_type(s: Spec, fl: Field) -> str:
    return s.enums[fl.enum]["cs"] if fl.enum else cs_uint(fl.bits)


def cs_write(s: Spec, f: Format, fl: Field, val: str) -> str:
    b = fl.byte_off
    v = f"({cs_uint(fl.bits)}){val}" if fl.enum else val
    if f.endian == "little":
        if fl.bits in (16, 32, 64):
            return f"BinaryPrimitives.WriteUInt{fl.bits}LittleEndian(dst.Slice({b}), {v});"
        if fl.bits == 8:
            return f"dst[{b}] = {v};"
        return f"WireBits.WriteLittle(dst.Slice({b}, {fl.bits // 8}), {v});"
    if fl.aligned:
        if fl.bits in (16, 32, 64):
            return f"BinaryPrimitives.WriteUInt{fl.bits}BigEndian(dst.Slice({b}), {v});"
        if fl.bits == 8:
            return f"dst[{b}] = {v};"
        return f"WireBits.WriteBig(dst.Slice({b}, {fl.bits // 8}), {v});"
    last = (fl.bit_off + fl.bits - 1) // 8
    n = last - b + 1
    shift = 8 * n - (fl.bit_off % 8) - fl.bits
    return f"WireBits.WriteBitsBig(dst.Slice({b}, {n}), {shift}, {fl.bits}, {v});"


def gen_cs(s: Spec) -> str:
    o: list[str] = []
    w = o.append
    w(f"// <auto-generated>{HEADER_NOTE}</auto-generated>")
    w("#nullable enable")
    w("using System;")
    w("using System.Buffers.Binary;")
    w("")
    w("namespace NetChannel.Wire;")
    w("")
    w("/// <summary>Constants of the NetChannel offload formats (hw/spec/netchannel.toml).</summary>")
    w("public static class Spec")
    w("{")
    w(f"    /// <summary>Version of the spec these types were generated from.</summary>")
    w(f"    public const int SpecVersion = {s.meta['spec_version']};")
    for name, c in s.consts.items():
        t = cs_uint(c["bits"]) if "bits" in c else "int"
        o.extend(cs_doc(c["doc"], "    "))
        w(f"    public const {t} {pascal(name)} = 0x{c['value']:X};")
    w("}")
    w("")
    for en, e in s.enums.items():
        o.extend(cs_doc(e["doc"], ""))
        if e.get("flags"):
            w("[Flags]")
        w(f"public enum {e['cs']} : {cs_uint(e['bits'])}")
        w("{")
        if e.get("flags"):
            w("    /// <summary>No flag set.</summary>")
            w("    None = 0,")
        for v in e["values"]:
            o.extend(cs_doc(v["doc"], "    "))
            w(f"    {pascal(v['name'])} = {v['value']},")
        w("}")
        w("")
    for f in s.formats:
        order = "network (big-endian)" if f.endian == "big" else "little-endian"
        o.extend(cs_doc(f"{f.doc} {f.size} bytes, {order}.", ""))
        w(f"public struct {f.cs} : IEquatable<{f.cs}>")
        w("{")
        w(f"    /// <summary>Size in bytes.</summary>")
        w(f"    public const int Size = {f.size};")
        for fl in f.fields:
            if fl.aligned:
                w(f"    /// <summary>Byte offset of <see cref=\"{pascal(fl.name)}\"/>.</summary>")
                w(f"    public const int {pascal(fl.name)}Offset = {fl.byte_off};")
        if f in s.frame_parts:
            w(f"    /// <summary>Byte offset of this header in a frame.</summary>")
            w(f"    public const int FrameOffset = {s.frame_offset(f)};")
        for fl in f.fields:
            if fl.kind == "const":
                w(f"    /// <summary>The only value <see cref=\"{pascal(fl.name)}\"/> may carry.</summary>")
                v = f"0x{fl.value:X}" if isinstance(fl.value, int) else f"Spec.{pascal(fl.value)}"
                w(f"    public const {cs_uint(fl.bits)} {pascal(fl.name)}Value = {v};")
        for fl in f.fields:
            o.extend(cs_doc(f"{fl.doc} ({fl.bits} bits, {fl.kind}).", "    "))
            w(f"    public {cs_field_type(s, fl)} {pascal(fl.name)};")
        w("")
        w(f"    /// <summary>Reads a {f.cs} from the first {f.size} bytes of <paramref name=\"src\"/>.</summary>")
        w(f"    public static {f.cs} Read(ReadOnlySpan<byte> src)")
        w("    {")
        w(f"        if (src.Length < Size) throw new ArgumentException($\"{f.cs} needs {{Size}} bytes, got {{src.Length}}\", nameof(src));")
        w(f"        {f.cs} h;")
        for fl in f.fields:
            w(f"        h.{pascal(fl.name)} = {cs_read_expr(s, f, fl)};")
        w("        return h;")
        w("    }")
        w("")
        w(f"    /// <summary>Writes every field into the first {f.size} bytes of <paramref name=\"dst\"/>.</summary>")
        w("    public readonly void Write(Span<byte> dst)")
        w("    {")
        w(f"        if (dst.Length < Size) throw new ArgumentException($\"{f.cs} needs {{Size}} bytes, got {{dst.Length}}\", nameof(dst));")
        for fl in f.fields:
            w(f"        {cs_write(s, f, fl, pascal(fl.name))}")
        w("    }")
        w("")
        eq = " && ".join(f"{pascal(fl.name)} == other.{pascal(fl.name)}" for fl in f.fields)
        w(f"    /// <inheritdoc/>")
        w(f"    public readonly bool Equals({f.cs} other) => {eq};")
        w(f"    /// <inheritdoc/>")
        w(f"    public override readonly bool Equals(object? obj) => obj is {f.cs} o && Equals(o);")
        w(f"    /// <inheritdoc/>")
        w("    public override readonly int GetHashCode()")
        w("    {")
        w("        var hc = new HashCode();")
        for fl in f.fields:
            w(f"        hc.Add({pascal(fl.name)});")
        w("        return hc.ToHashCode();")
        w("    }")
        w(f"    /// <inheritdoc/>")
        fmt = ", ".join(f"{pascal(fl.name)}={{{pascal(fl.name)}}}" for fl in f.fields)
        w(f"    public override readonly string ToString() => $\"{f.cs}({fmt})\";")
        w("}")
        w("")
    # frame
    parts = s.frame_parts
    total = sum(p.size for p in parts)
    o.extend(cs_doc(f"Every header in front of the payload ({total} bytes), in wire order.", ""))
    w(f"public struct {s.frame['cs']} : IEquatable<{s.frame['cs']}>")
    w("{")
    w(f"    /// <summary>Size in bytes.</summary>")
    w(f"    public const int Size = {total};")
    for p in parts:
        w(f"    /// <summary>The {p.cs}.</summary>")
        w(f"    public {p.cs} {pascal(p.name)};")
    w("")
    w("    /// <summary>Reads every header from the start of a frame.</summary>")
    w(f"    public static {s.frame['cs']} Read(ReadOnlySpan<byte> frame)")
    w("    {")
    w(f"        if (frame.Length < Size) throw new ArgumentException($\"{s.frame['cs']} needs {{Size}} bytes, got {{frame.Length}}\", nameof(frame));")
    w(f"        {s.frame['cs']} h;")
    for p in parts:
        w(f"        h.{pascal(p.name)} = {p.cs}.Read(frame.Slice({p.cs}.FrameOffset));")
    w("        return h;")
    w("    }")
    w("")
    w("    /// <summary>Writes every header, exactly as the fields say (no lengths or checksum computed).</summary>")
    w("    public readonly void Write(Span<byte> frame)")
    w("    {")
    w(f"        if (frame.Length < Size) throw new ArgumentException($\"{s.frame['cs']} needs {{Size}} bytes, got {{frame.Length}}\", nameof(frame));")
    for p in parts:
        w(f"        {pascal(p.name)}.Write(frame.Slice({p.cs}.FrameOffset));")
    w("    }")
    w("")
    eq = " && ".join(f"{pascal(p.name)}.Equals(other.{pascal(p.name)})" for p in parts)
    w(f"    /// <inheritdoc/>")
    w(f"    public readonly bool Equals({s.frame['cs']} other) => {eq};")
    w(f"    /// <inheritdoc/>")
    w(f"    public override readonly bool Equals(object? obj) => obj is {s.frame['cs']} o && Equals(o);")
    w(f"    /// <inheritdoc/>")
    w(f"    public override readonly int GetHashCode() => HashCode.Combine({', '.join(pascal(p.name) for p in parts)});")
    w(f"    /// <inheritdoc/>")
    w(f"    public override readonly string ToString() => $\"{{{'}, {'.join(pascal(p.name) for p in parts)}}}\";")
    w("}")
    w("")
    w("/// <summary>BAR0 register byte addresses (hw/spec/netchannel.toml).</summary>")
    w("public static class Registers")
    w("{")
    for r in s.regs:
        o.extend(cs_doc(f"{r.access}: {r.doc or 'high half of the counter above'}", "    "))
        w(f"    public const int {pascal(r.name)} = 0x{r.addr:04X};")
        if r.count:
            w(f"    /// <summary>Number of registers in the {r.name} array.</summary>")
            w(f"    public const int {pascal(r.name)}Count = {r.count};")
    w("")
    w("    /// <summary>Address of the low half of counter <paramref name=\"counter\"/> (its high half follows at +4).</summary>")
    w("    public static int Counter(NicCounter counter) => CntBase + 8 * (int)counter;")
    w("")
    w("    /// <summary>First counter's address.</summary>")
    w(f"    public const int CntBase = 0x{s.counter_base:04X};")
    w("}")
    w("")
    o.extend(cs_doc(s.counters_doc, ""))
    w("public enum NicCounter")
    w("{")
    for i, c in enumerate(s.counters):
        o.extend(cs_doc(c["doc"], "    "))
        w(f"    {pascal(c['name'])} = {i},")
    w("}")
    w("")
    w("/// <summary>Access of a register.</summary>")
    w("public enum RegisterAccess")
    w("{")
    w("    /// <summary>Read-write.</summary>")
    w("    ReadWrite,")
    w("    /// <summary>Read-only.</summary>")
    w("    ReadOnly,")
    w("    /// <summary>Write-only (a command or doorbell); reads return 0.</summary>")
    w("    WriteOnly,")
    w("    /// <summary>Reading it snapshots a 64-bit counter and returns the low half.</summary>")
    w("    Snapshot,")
    w("}")
    w("")
    w("/// <summary>One register of the map, for tests and tools that walk it.</summary>")
    w("/// <param name=\"Name\">Spec name.</param>")
    w("/// <param name=\"Address\">Byte address.</param>")
    w("/// <param name=\"Access\">Access.</param>")
    w("/// <param name=\"Mask\">Bits its fields occupy.</param>")
    w("/// <param name=\"Reset\">Value after reset, or null when the spec does not fix it.</param>")
    w("/// <param name=\"Count\">Registers in the array (1 for a single register).</param>")
    w("public readonly record struct RegisterInfo(string Name, int Address, RegisterAccess Access, uint Mask, uint? Reset, int Count);")
    w("")
    w("/// <summary>The register map as data (hw/spec/netchannel.toml).</summary>")
    w("public static class RegisterMap")
    w("{")
    w("    /// <summary>Every register, by address.</summary>")
    w("    public static readonly RegisterInfo[] All =")
    w("    [")
    acc = {"rw": "ReadWrite", "ro": "ReadOnly", "wo": "WriteOnly", "snap": "Snapshot"}
    for r in s.regs:
        rs = "null" if r.reset is None else f"0x{r.reset:08X}u"
        w(f"        new(\"{r.name}\", 0x{r.addr:04X}, RegisterAccess.{acc[r.access]}, 0x{r.mask:08X}u, {rs}, {r.count or 1}),")
    w("    ];")
    w("}")
    w("")
    for r in s.regs:
        if r.counter or (len(r.fields) == 1 and r.fields[0].width == 32):
            continue
        o.extend(cs_doc(f"{r.name} ({r.access}, 0x{r.addr:04X}): {r.doc}. A value to build with the field properties and write, or read and take apart.", ""))
        w(f"public struct {r.cs} : IEquatable<{r.cs}>")
        w("{")
        w("    /// <summary>The register's address.</summary>")
        w(f"    public const int Address = 0x{r.addr:04X};")
        w("    /// <summary>Bits the fields occupy (the rest read 0 and are ignored on write).</summary>")
        w(f"    public const uint Mask = 0x{r.mask:08X};")
        if r.reset is not None:
            w("    /// <summary>Value after reset.</summary>")
            w(f"    public const uint Reset = 0x{r.reset:08X};")
        w("    /// <summary>The 32-bit value.</summary>")
        w("    public uint Value;")
        w("")
        w("    /// <summary>Wraps a register value.</summary>")
        w(f"    public {r.cs}(uint value) => Value = value;")
        for f in r.fields:
            m = (1 << f.width) - 1
            if f.width == 1:
                t, get, put = "bool", f"((Value >> {f.lsb}) & 1) != 0", f"(value ? 1u : 0u)"
            elif f.enum:
                et = s.enums[f.enum]["cs"]
                t, get, put = et, f"({et})((Value >> {f.lsb}) & 0x{m:X})", f"(uint)value"
            else:
                t = cs_uint(f.width)
                get, put = f"({t})((Value >> {f.lsb}) & 0x{m:X})", f"(uint)value"
            o.extend(cs_doc(f"{f.bits_text} {f.doc}" + (f" (reset {f.reset})" if f.reset else "") + ".", "    "))
            w(f"    public {t} {pascal(f.name)}")
            w("    {")
            w(f"        readonly get => {get};")
            w(f"        set => Value = (Value & ~(0x{m:X}u << {f.lsb})) | (({put} & 0x{m:X}u) << {f.lsb});")
            w("    }")
        w("")
        w("    /// <inheritdoc/>")
        w(f"    public readonly bool Equals({r.cs} other) => Value == other.Value;")
        w("    /// <inheritdoc/>")
        w(f"    public override readonly bool Equals(object? obj) => obj is {r.cs} o && Equals(o);")
        w("    /// <inheritdoc/>")
        w("    public override readonly int GetHashCode() => (int)Value;")
        w("    /// <inheritdoc/>")
        fmt = ", ".join(f"{pascal(f.name)}={{{pascal(f.name)}}}" for f in r.fields)
        w(f"    public override readonly string ToString() => $\"{r.name}({fmt})\";")
        w("}")
        w("")
    return "\n".join(o) + "\n"


def cs_read_expr(s: Spec, f: Format, fl: Field) -> str:
    raw = cs_uint(fl.bits)
    b = fl.byte_off
    if fl.aligned and fl.bits in (16, 32, 64):
        e = f"BinaryPrimitives.ReadUInt{fl.bits}{'LittleEndian' if f.endian == 'little' else 'BigEndian'}(src.Slice({b}))"
    elif fl.aligned and fl.bits == 8:
        e = f"src[{b}]"
    elif fl.aligned:
        fn = "ReadLittle" if f.endian == "little" else "ReadBig"
        e = f"({raw})WireBits.{fn}(src.Slice({b}, {fl.bits // 8}))"
    else:
        last = (fl.bit_off + fl.bits - 1) // 8
        n = last - b + 1
        shift = 8 * n - (fl.bit_off % 8) - fl.bits
        mask = (1 << fl.bits) - 1
        e = f"({raw})((WireBits.ReadBig(src.Slice({b}, {n})) >> {shift}) & 0x{mask:X})"
    if fl.enum:
        return f"({s.enums[fl.enum]['cs']}){e}"
    return e


# --------------------------------------------------------------------------------------------------
# Docs
# --------------------------------------------------------------------------------------------------
def md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def gen_doc_tables(s: Spec) -> str:
    o: list[str] = []
    w = o.append
    w(DOC_BEGIN)
    w("")
    w(f"Spec version {s.meta['spec_version']}.")
    w("")
    w("### Constants")
    w("")
    w("| name | value | meaning |")
    w("|---|---|---|")
    for name, c in s.consts.items():
        v = c["value"]
        vs = f"{v} (0x{v:X})" if v > 9 else str(v)
        w(f"| `{name}` | {vs} | {md(c['doc'])} |")
    w("")
    w("### Frame layout")
    w("")
    w("| bytes | header |")
    w("|---|---|")
    for p in s.frame_parts:
        off = s.frame_offset(p)
        w(f"| {off}–{off + p.size - 1} | {p.cs} ({p.size} bytes) |")
    w(f"| {sum(p.size for p in s.frame_parts)}– | payload (NetChannel `len` bytes) |")
    w("")
    for f in s.formats:
        w(f"### {f.cs} — {f.size} bytes, {'network byte order' if f.endian == 'big' else 'little-endian'}")
        w("")
        w(md(f.doc))
        w("")
        in_frame = f in s.frame_parts
        if in_frame:
            w("| frame byte | bits | field | kind | meaning |")
            w("|---|---|---|---|---|")
        else:
            w("| byte | bits | field | meaning |")
            w("|---|---|---|---|")
        for fl in f.fields:
            pos = f"{fl.byte_off}" if fl.aligned else f"{fl.byte_off}.{fl.bit_off % 8}"
            if in_frame:
                off = s.frame_offset(f)
                pos = f"{off + fl.byte_off}" if fl.aligned else f"{off + fl.byte_off} (bit {fl.bit_off % 8} from MSB)"
            doc = fl.doc
            if fl.kind == "const":
                doc += f" = `{fl.value}`"
            if fl.enum:
                doc += f" (enum `{fl.enum}`)"
            if in_frame:
                w(f"| {pos} | {fl.bits} | `{fl.name}` | {fl.kind} | {md(doc)} |")
            else:
                w(f"| {pos} | {fl.bits} | `{fl.name}` | {md(doc)} |")
        w("")
    for en, e in s.enums.items():
        w(f"### enum `{en}` ({e['bits']} bits{', flag bits' if e.get('flags') else ''})")
        w("")
        w(md(e["doc"]))
        w("")
        w("| value | name | meaning |")
        w("|---|---|---|")
        for v in e["values"]:
            vs = f"0x{v['value']:02X}" if e.get("flags") else str(v["value"])
            w(f"| {vs} | `{v['name']}` | {md(v['doc'])} |")
        w("")
    w("### Registers")
    w("")
    w(md(s.regs_doc))
    w("")
    w("| address | name | access | bits | field | reset | meaning |")
    w("|---|---|---|---|---|---|---|")
    for r in s.regs:
        if r.counter:
            continue
        a = f"0x{r.addr:04X}"
        if r.count:
            a += f"–0x{r.addr + 4 * r.count - 1:04X}"
        w(f"| {a} | `{r.name}` | {r.access} | | | {'' if r.reset is None else f'0x{r.reset:X}'} | {md(r.doc)} |")
        for f in r.fields:
            doc = f.doc + (f" (enum `{f.enum}`)" if f.enum else "")
            w(f"| | | | {f.bits_text} | `{f.name}` | {'—' if f.reset is None else f.reset} | {md(doc)} |")
    w("")
    w("### Counters")
    w("")
    w(md(s.counters_doc))
    w("")
    w("| index | low half | high half | counts |")
    w("|---|---|---|---|")
    for i, c in enumerate(s.counters):
        a = s.counter_base + 8 * i
        w(f"| {i} | `CNT_{c['name']}_LO` 0x{a:04X} | `CNT_{c['name']}_HI` 0x{a + 4:04X} | {md(c['doc'])} |")
    w("")
    w(DOC_END)
    return "\n".join(o)


def gen_doc(s: Spec, current: str | None) -> str:
    tables = gen_doc_tables(s)
    if current is None or DOC_BEGIN not in current:
        raise SpecError(f"{DOC_OUT} must contain the marker lines {DOC_BEGIN!r} ... {DOC_END!r}")
    pre, rest = current.split(DOC_BEGIN, 1)
    _, post = rest.split(DOC_END, 1)
    return pre + tables + post


# --------------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    check = "--check" in argv
    try:
        spec = Spec(tomllib.loads(SPEC.read_text()))
        outputs = {
            SV_OUT: gen_sv(spec),
            CS_OUT: gen_cs(spec),
            C_OUT: gen_c(spec),
            DOC_OUT: gen_doc(spec, DOC_OUT.read_text() if DOC_OUT.exists() else None),
        }
    except (SpecError, KeyError, tomllib.TOMLDecodeError) as e:
        print(f"gen.py: {SPEC.relative_to(ROOT)}: {e}", file=sys.stderr)
        return 2
    stale = []
    for path, text in outputs.items():
        old = path.read_text() if path.exists() else None
        if old == text:
            continue
        if check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"gen.py: wrote {path.relative_to(ROOT)}")
    if stale:
        print("gen.py: generated files are out of date with hw/spec/netchannel.toml "
              f"(run `make gen` and commit): {', '.join(stale)}", file=sys.stderr)
        return 1
    if check:
        print("gen.py: generated files match hw/spec/netchannel.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

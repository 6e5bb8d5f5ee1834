#!/usr/bin/env python3
"""No AVX instruction outside the dispatched kernels in a linked binary.

usage: check_simd_isolation.py OBJDUMP PATHS BINARY...   (PATHS: the built paths, sse2,avx2,avx512)

A portable build must run on an SSE2-only CPU: only functions in the
namespaces flowlat::simd_avx2 and flowlat::simd_avx512 (src/flow/isa/, called
through the dispatch table after a CPU check) may hold VEX/EVEX-encoded
instructions. Any other function with one (an inline function the linker took
from an AVX file, a static constructor of such a file) fails the check. The
kernels themselves must be there and wide (AVX2 with FMA, AVX-512 with zmm),
so the check cannot pass on a binary without them.
"""
import re
import subprocess
import sys

# The function's own name (after a template's return type), not its arguments.
KERNEL = re.compile(r"^(?:void )?flowlat::simd_(avx2|avx512)::")
FUNCTION = re.compile(r"^[0-9a-f]+ <(.*)>:$")
# VEX/EVEX: every mnemonic starting with v (vmovupd, vfmadd231pd, vzeroupper,
# ...; no SSE2 or integer instruction does), ymm/zmm registers, AVX-512 masks.
AVX = re.compile(r"^\s*[0-9a-f]+:\s+v[a-z0-9]+\b|%[yz]mm\d|%k[0-7]\b")


def functions(objdump, binary):
    """{demangled name: [instruction lines]} of the binary's code."""
    text = subprocess.run([objdump, "-d", "-C", "--no-show-raw-insn", binary], check=True,
                          stdout=subprocess.PIPE, text=True).stdout
    out, name = {}, None
    for line in text.splitlines():
        m = FUNCTION.match(line)
        if m:
            name = m.group(1)
            out.setdefault(name, [])
        elif name is not None and line.strip():
            out[name].append(line)
    return out


def check(objdump, paths, binary):
    wide = {what: False for what in ("avx2 fma", "avx512 zmm") if what.split()[0] in paths}
    errors = []
    for name, lines in functions(objdump, binary).items():
        avx = [l for l in lines if AVX.search(l)]
        kernel = KERNEL.match(name)
        if avx and not kernel:
            errors.append(f"{binary}: AVX in {name}: {avx[0].strip()}")
        if kernel and kernel.group(1) == "avx2" and any("vfmadd" in l for l in lines):
            wide["avx2 fma"] = True
        if kernel and kernel.group(1) == "avx512" and any("%zmm" in l for l in lines):
            wide["avx512 zmm"] = True
    errors += [f"{binary}: no {what} kernels" for what, seen in wide.items() if not seen]
    return errors


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    paths = sys.argv[2].split(",")
    errors = [e for binary in sys.argv[3:] for e in check(sys.argv[1], paths, binary)]
    for e in errors[:20]:
        print(e)
    if errors:
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"ok: AVX only in flowlat::simd_avx2/avx512 of {', '.join(sys.argv[3:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

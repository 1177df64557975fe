#!/usr/bin/env python3
"""Gridshare compute-challenge runner for NVIDIA hosts.

Expands the challenge matrices exactly as src/protocol/challengeMatrices.ts
does and computes, on GPU g, the chained products
    C_0 = A_g . B,   C_i = L(C_{i-1}) . B,   L(x) = (x & 15) - 8
for the given number of rounds. Every entry stays an integer of magnitude
<= size*64 < 2^24, so int8 x int8 -> int32 (torch._int_mm) and float32 are
both exact in any summation order.

  python3 cuda_matmul.py --matrix-seed HEX --size N --rounds K --gpus 0,1,2 --out DIR [--backend torch|numpy]

It speaks in lines, so that start-up is not timed:
  it prints `ready` once B is on every GPU (and the GPUs are warm);
  on stdin `seed <HEX>` (A's seed) it computes every chain and writes
    OUT/gpu<g>.bin, the last round as raw int32 little-endian, row-major,
    then prints `done`;
  on `chain <g> <row>` it writes OUT/chain-<g>-<row>.bin, that row of the
    earlier rounds C_0 .. C_{K-2} (int32 little-endian, oldest first), and
    prints the same line back;
  at the end of stdin it exits 0.

--gpus lists the CUDA device ids (CUDA_VISIBLE_DEVICES order), one chain per
listed device in that order. --backend numpy computes on the CPU (tests;
small sizes). Needs only the standard library plus torch (or numpy).
"""
import argparse
import hashlib
import os
import struct
import sys
import time

DOMAIN = b"gridshare-challenge-v1"


def row_bytes(seed: bytes, matrix: str, gpu: int, row: int, size: int) -> bytes:
    """size/2 bytes of SHAKE256(domain || seed || matrix || u32le gpu || u32le row)."""
    return hashlib.shake_256(DOMAIN + seed + matrix.encode("ascii") + struct.pack("<II", gpu, row)).digest(size // 2)


def matrix_bytes(seed: bytes, matrix: str, gpu: int, size: int) -> bytes:
    return b"".join(row_bytes(seed, matrix, gpu, row, size) for row in range(size))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class NumpyBackend:
    """Exact int64 arithmetic on the CPU: for tests and small sizes."""

    def __init__(self, matrix_seed: bytes, size: int, rounds: int, devices: list):
        import numpy as np

        self.np, self.size, self.rounds, self.devices = np, size, rounds, devices
        self.b = self.entries(matrix_bytes(matrix_seed, "B", 0, size))
        self.a = []

    def entries(self, packed: bytes):
        """Entries in [-8, 7]: byte j gives entry 2j (low nibble) and 2j+1 (high nibble)."""
        np = self.np
        raw = np.frombuffer(packed, dtype=np.uint8)
        out = np.empty(raw.size * 2, dtype=np.int64)
        out[0::2] = raw & 15
        out[1::2] = raw >> 4
        return (out - 8).reshape(-1, self.size)

    def compute(self, seed: bytes) -> list:
        self.a = [self.entries(matrix_bytes(seed, "A", g, self.size)) for g in range(len(self.devices))]
        return [self.chain_of(a)[-1] for a in self.a]

    def chain_of(self, a) -> list:
        products = []
        for _ in range(self.rounds):
            c = a @ self.b
            products.append(c)
            a = (c & 15) - 8
        return products

    def row_chain(self, gpu: int, row: int) -> list:
        return [c[0] for c in self.chain_of(self.a[gpu][row : row + 1])[:-1]]

    @staticmethod
    def to_bytes(values) -> bytes:
        return values.astype("<i4").tobytes()


class TorchBackend:
    """B on every GPU; the chains run on all GPUs at once (kernels are queued
    on each device before any result is copied back)."""

    def __init__(self, matrix_seed: bytes, size: int, rounds: int, devices: list):
        import torch

        self.torch, self.size, self.rounds = torch, size, rounds
        if not torch.cuda.is_available():
            log("torch sees no CUDA device: computing on the CPU (tests only; too slow for a real challenge)")
        self.devices = [torch.device(f"cuda:{d}" if torch.cuda.is_available() else "cpu") for d in devices]
        packed = matrix_bytes(matrix_seed, "B", 0, size)
        self.b = [self.entries(packed, device) for device in self.devices]
        self.exact_int8 = all(self.int_mm_works(device) for device in self.devices)
        self.b_float = [None for _ in self.devices]
        self.a = []
        for index, device in enumerate(self.devices):
            # Warm-up: CUDA context and BLAS handles, so the timed work is only work.
            self.mm(index, self.b[index][:32])
        self.synchronize()
        log(f"B ready on {len(self.devices)} device(s); int8 tensor cores: {self.exact_int8}")

    def entries(self, packed: bytes, device):
        torch = self.torch
        raw = torch.frombuffer(bytearray(packed), dtype=torch.uint8).to(device)
        return (torch.stack(((raw & 15), (raw >> 4)), dim=1).reshape(-1, self.size).to(torch.int16) - 8).to(torch.int8)

    def int_mm_works(self, device) -> bool:
        """torch._int_mm (int8 x int8 -> int32) where the device has it and it is exact."""
        torch = self.torch
        if device.type != "cuda" or not hasattr(torch, "_int_mm"):
            return False
        try:
            a = torch.randint(-8, 8, (32, 64), dtype=torch.int8, device=device)
            b = torch.randint(-8, 8, (64, 32), dtype=torch.int8, device=device)
            return bool(torch.equal(torch._int_mm(a, b), (a.float() @ b.float()).round().to(torch.int32)))
        except Exception as error:  # noqa: BLE001 - any failure means: use float32
            log(f"int8 matmul unavailable ({error}); using float32")
            return False

    def mm(self, index: int, a):
        torch = self.torch
        if self.exact_int8 and a.shape[0] > 16:
            return torch._int_mm(a, self.b[index])
        if self.b_float[index] is None:
            self.b_float[index] = self.b[index].to(torch.float32)
        return (a.to(torch.float32) @ self.b_float[index]).round().to(torch.int32)

    def synchronize(self) -> None:
        if self.torch.cuda.is_available():
            for device in self.devices:
                self.torch.cuda.synchronize(device)

    def compute(self, seed: bytes) -> list:
        self.a = [self.entries(matrix_bytes(seed, "A", g, self.size), device) for g, device in enumerate(self.devices)]
        left = list(self.a)
        last = [None for _ in self.devices]
        for _ in range(self.rounds):
            for index in range(len(self.devices)):
                last[index] = self.mm(index, left[index])
                left[index] = ((last[index] & 15) - 8).to(self.torch.int8)
        return [c.cpu().numpy() for c in last]

    def row_chain(self, gpu: int, row: int) -> list:
        a = self.a[gpu][row : row + 1]
        rows = []
        for _ in range(self.rounds - 1):
            c = self.mm(gpu, a)
            rows.append(c[0].cpu().numpy())
            a = ((c & 15) - 8).to(self.torch.int8)
        return rows

    @staticmethod
    def to_bytes(values) -> bytes:
        return values.astype("<i4").tobytes()


def serve(backend, out: str) -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "seed":
            seed = bytes.fromhex(words[1])
            started = time.monotonic()
            for index, product in enumerate(backend.compute(seed)):
                with open(os.path.join(out, f"gpu{index}.bin"), "wb") as file:
                    file.write(backend.to_bytes(product))
            log(f"computed {len(backend.devices)} chain(s) of {backend.rounds} round(s), size {backend.size}, in {time.monotonic() - started:.3f} s")
            print("done", flush=True)
        elif len(words) == 3 and words[0] == "chain":
            gpu, row = int(words[1]), int(words[2])
            with open(os.path.join(out, f"chain-{gpu}-{row}.bin"), "wb") as file:
                for values in backend.row_chain(gpu, row):
                    file.write(backend.to_bytes(values))
            print(f"chain {gpu} {row}", flush=True)
        elif words:
            log(f"unknown request: {line.strip()[:80]}")
            sys.exit(2)


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description="Gridshare compute-challenge runner")
    parser.add_argument("--matrix-seed", required=True, help="64 hex digits: B's seed")
    parser.add_argument("--size", required=True, type=int)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--gpus", required=True, help="comma-separated CUDA device ids")
    parser.add_argument("--out", required=True, help="directory for the products")
    parser.add_argument("--backend", choices=["torch", "numpy"], default="torch")
    args = parser.parse_args(argv)
    matrix_seed = bytes.fromhex(args.matrix_seed[2:] if args.matrix_seed.startswith("0x") else args.matrix_seed)
    if len(matrix_seed) != 32:
        log("--matrix-seed must be 32 bytes of hex")
        return 2
    if args.size < 2 or args.size & (args.size - 1):
        log("--size must be a power of two")
        return 2
    if not 1 <= args.rounds <= 32:
        log("--rounds must be between 1 and 32")
        return 2
    devices = [d for d in args.gpus.split(",") if d != ""]
    os.makedirs(args.out, exist_ok=True)
    backend = (TorchBackend if args.backend == "torch" else NumpyBackend)(matrix_seed, args.size, args.rounds, devices)
    serve(backend, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Gridshare compute-challenge runner for NVIDIA hosts.

Expands the challenge seed into the matrices exactly as
src/protocol/challengeMatrices.ts does, multiplies C_g = A_g . B on GPU g in
float32 (every entry is an integer of magnitude <= size*64 < 2^24, so float32
is exact in any summation order), and writes each product as raw int32
little-endian, row-major, to OUT/gpu<g>.bin. The agent hashes the rows, commits
the Merkle roots and reveals the rows the coordinator opens.

  python3 cuda_matmul.py --seed HEX --matrix-seed HEX --size N --gpus 0,1,2 --out DIR [--backend torch|numpy]

A_g expands from --seed (the challenge's), B from --matrix-seed (the hour's).

--gpus lists the CUDA device ids (CUDA_VISIBLE_DEVICES order) of the GPUs to
run on, one product per listed device in that order. --backend numpy computes
on the CPU (tests; small sizes). Needs only the standard library plus torch
(or numpy for --backend numpy). Exit status 0 when every file is written.
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


def nibbles_numpy(packed: bytes, size: int):
    """Entries in [-8, 7]: byte j gives entry 2j (low nibble) and 2j+1 (high nibble)."""
    import numpy as np

    raw = np.frombuffer(packed, dtype=np.uint8)
    out = np.empty(raw.size * 2, dtype=np.int64)
    out[0::2] = raw & 15
    out[1::2] = raw >> 4
    return (out - 8).reshape(size, size)


def run_numpy(seed: bytes, matrix_seed: bytes, size: int, devices: list, out: str) -> None:
    b = nibbles_numpy(matrix_bytes(matrix_seed, "B", 0, size), size)
    for index, _device in enumerate(devices):
        a = nibbles_numpy(matrix_bytes(seed, "A", index, size), size)
        (a @ b).astype("<i4").tofile(os.path.join(out, f"gpu{index}.bin"))


def run_torch(seed: bytes, matrix_seed: bytes, size: int, devices: list, out: str) -> None:
    import torch

    def on_device(packed: bytes, device):
        raw = torch.frombuffer(bytearray(packed), dtype=torch.uint8).to(device)
        entries = torch.stack(((raw & 15), (raw >> 4)), dim=1).reshape(size, size)
        return entries.to(torch.float32) - 8.0

    b_packed = matrix_bytes(matrix_seed, "B", 0, size)
    a_packed = [matrix_bytes(seed, "A", index, size) for index in range(len(devices))]
    streams = []
    # Launch every GPU's product before waiting for any: they run in parallel.
    cuda = torch.cuda.is_available()
    if not cuda:
        print("torch sees no CUDA device: computing on the CPU (tests only; too slow for a real challenge)", file=sys.stderr)
    for index, device_id in enumerate(devices):
        device = torch.device(f"cuda:{device_id}" if cuda else "cpu")
        c = on_device(a_packed[index], device) @ on_device(b_packed, device)
        streams.append((index, c))
    for index, c in streams:
        c.round().to(torch.int32).cpu().numpy().astype("<i4").tofile(os.path.join(out, f"gpu{index}.bin"))


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description="Gridshare compute-challenge runner")
    parser.add_argument("--seed", required=True, help="64 hex digits: A's seed")
    parser.add_argument("--matrix-seed", required=True, help="64 hex digits: B's seed")
    parser.add_argument("--size", required=True, type=int)
    parser.add_argument("--gpus", required=True, help="comma-separated CUDA device ids")
    parser.add_argument("--out", required=True, help="directory for gpu<g>.bin")
    parser.add_argument("--backend", choices=["torch", "numpy"], default="torch")
    args = parser.parse_args(argv)
    seed, matrix_seed = (bytes.fromhex(s[2:] if s.startswith("0x") else s) for s in (args.seed, args.matrix_seed))
    if len(seed) != 32 or len(matrix_seed) != 32:
        print("--seed and --matrix-seed must be 32 bytes of hex", file=sys.stderr)
        return 2
    if args.size < 2 or args.size & (args.size - 1):
        print("--size must be a power of two", file=sys.stderr)
        return 2
    devices = [d for d in args.gpus.split(",") if d != ""]
    os.makedirs(args.out, exist_ok=True)
    started = time.monotonic()
    (run_torch if args.backend == "torch" else run_numpy)(seed, matrix_seed, args.size, devices, args.out)
    print(f"computed {len(devices)} products of size {args.size} in {time.monotonic() - started:.3f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

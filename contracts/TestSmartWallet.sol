// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TestSmartWallet
/// @notice An EIP-1271 contract wallet for tests, standing in for Safe-style
/// wallets that sign in with SIWE. A signature is valid when it is the
/// owner's ECDSA signature over `hash` exactly as given: SIWE verifiers pass
/// the EIP-191 hash of the message (viem's hashMessage), which is what the
/// owner's personal_sign / signMessage signed, so no prefix is added here.
contract TestSmartWallet {
    bytes4 internal constant MAGIC_VALUE = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    // Upper bound of s (secp256k1 n / 2); larger values are malleable (EIP-2).
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return INVALID;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        // viem serialises with v = 27/28, other signers with yParity 0/1.
        if (v < 27) v += 27;
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return INVALID;
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? MAGIC_VALUE : INVALID;
    }
}

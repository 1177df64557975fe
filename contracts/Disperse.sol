// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20 {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Disperse
/// @notice Pays many recipients in one transaction. The payer approves this
/// contract once; each batch then pulls tokens straight from the payer to
/// each recipient, so the token's Transfer logs are the complete record and
/// this contract never holds a balance.
contract Disperse {
    error LengthMismatch(uint256 recipients, uint256 values);
    error TransferFailed(address recipient, uint256 value);

    function disperseToken(IERC20 token, address[] calldata recipients, uint256[] calldata values) external {
        if (recipients.length != values.length) revert LengthMismatch(recipients.length, values.length);
        for (uint256 i = 0; i < recipients.length; ++i) {
            // Some tokens return false instead of reverting; either way the
            // whole batch must fail so no payout is half-done.
            if (!token.transferFrom(msg.sender, recipients[i], values[i])) {
                revert TransferFailed(recipients[i], values[i]);
            }
        }
    }
}

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import solc from 'solc'
import type { Abi, Hex } from 'viem'

export type ContractArtifact = { abi: Abi; bytecode: Hex }

export type CompileContractsParameters = {
  /** Folder holding the `*.sol` sources; every file in it is compiled. */
  contractsDir: string
}

export type CompileContractsReturnType = {
  /** Deployable contracts by name, sorted; interfaces and abstract contracts are left out. */
  artifacts: Record<string, ContractArtifact>
  warnings: string[]
}

/** Compiler settings are part of the build: changing them changes every artifact. */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  // Oldest fork with everything we use (PUSH0, MCOPY); anvil's default hardfork is newer.
  evmVersion: 'cancun',
  // No metadata hash: the bytecode then depends only on the code, not on comments,
  // line endings or paths, so the freshness test flags real changes only.
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
} as const

type SolcOutput = {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[]
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
}

/**
 * Compiles every contract in `contractsDir` with the bundled solc-js.
 * @throws Error listing the compiler errors when a source does not compile.
 */
export function compileContracts({ contractsDir }: CompileContractsParameters): CompileContractsReturnType {
  const files = readdirSync(contractsDir)
    .filter((file) => file.endsWith('.sol'))
    .sort()
  const sources = Object.fromEntries(
    files.map((file) => [file, { content: readFileSync(join(contractsDir, file), 'utf8') }]),
  )
  const input = { language: 'Solidity', sources, settings: SOLC_SETTINGS }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput

  const problems = output.errors ?? []
  const errors = problems.filter((problem) => problem.severity === 'error')
  if (errors.length > 0) {
    throw new Error(`Solidity compilation failed:\n${errors.map((error) => error.formattedMessage).join('\n')}`)
  }

  const artifacts: Record<string, ContractArtifact> = {}
  for (const file of files) {
    for (const [name, contract] of Object.entries(output.contracts?.[file] ?? {})) {
      const bytecode = contract.evm.bytecode.object
      if (bytecode === '') continue
      if (artifacts[name]) throw new Error(`Two contracts are named ${name}; artifact names must be unique`)
      artifacts[name] = { abi: contract.abi, bytecode: `0x${bytecode}` }
    }
  }
  const sorted = Object.fromEntries(Object.entries(artifacts).sort(([a], [b]) => a.localeCompare(b)))
  return {
    artifacts: sorted,
    warnings: problems.filter((problem) => problem.severity === 'warning').map((problem) => problem.formattedMessage),
  }
}

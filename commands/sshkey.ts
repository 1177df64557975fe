import { defineCommand } from '../src/command/defineCommand.ts'
import { opt } from '../src/command/options.ts'
import { UserError } from '../src/errors/AppError.ts'
import { MAX_SSH_KEYS_PER_ACCOUNT } from '../src/identity/SshKeys.ts'
import { utcMinute } from '../src/time/utcMinute.ts'

export default defineCommand({
  name: 'sshkey',
  description: 'Add, list or delete the SSH public keys your rentals let in',
  options: {
    action: opt.choice({ description: 'add, list or delete', choices: ['add', 'list', 'delete'], default: 'list' }),
    key: opt.string({ description: 'add: your public key line; delete: its number or SHA256 fingerprint', rest: true, expected: 'an OpenSSH public key such as ssh-ed25519 AAAA… you@laptop' }),
  },
  private: true,
  examples: ['/sshkey add ssh-ed25519 AAAAC3Nza… you@laptop', '/sshkey list', '/sshkey delete 2'],
  run({ action, key }, ctx) {
    if (action === 'add') {
      if (!key) throw new UserError('Paste your public key after add: /sshkey add ssh-ed25519 AAAA… you@laptop (the line in ~/.ssh/id_ed25519.pub).')
      const { key: saved, added } = ctx.sshKeys.add(ctx.accountId, key)
      const number = ctx.sshKeys.list(ctx.accountId).findIndex((k) => k.id === saved.id) + 1
      const named = `${saved.fingerprint}${saved.comment ? ` (${saved.comment})` : ''}`
      return {
        text: added
          ? `Added SSH key ${number}: ${named}. Rentals you confirm from now on let it in; the ones you have now keep the keys they were confirmed with. /sshkey list shows your keys.`
          : `That key is already on your account as key ${number}: ${named}.`,
      }
    }
    if (action === 'delete') {
      if (!key) throw new UserError('Say which key: /sshkey delete <number> or /sshkey delete SHA256:… (see /sshkey list).')
      const removed = ctx.sshKeys.delete(ctx.accountId, key)
      return { text: `Removed SSH key ${removed.fingerprint}${removed.comment ? ` (${removed.comment})` : ''}. No rental lets it in from its next start or restart; a workload running now keeps it until then.` }
    }
    const keys = ctx.sshKeys.list(ctx.accountId)
    if (keys.length === 0) return { text: 'You have no SSH keys. Add one with /sshkey add ssh-ed25519 AAAA… you@laptop; rentals you confirm after that let it in.' }
    return {
      title: 'Your SSH keys',
      table: {
        columns: ['#', 'fingerprint', 'type', 'comment', 'added'],
        rows: keys.map((k, i) => [String(i + 1), k.fingerprint, k.publicKey.split(' ')[0]!, k.comment, utcMinute(k.createdAt)]),
      },
      text: `${keys.length} of at most ${MAX_SSH_KEYS_PER_ACCOUNT}. Remove one with /sshkey delete <number>.`,
    }
  },
})

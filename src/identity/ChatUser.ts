/** The chat platforms an identity can live on. */
export type Platform = 'console' | 'telegram' | 'discord'

/** Who typed a command, as the platform names them. */
export interface ChatUser {
  platform: Platform
  id: string
  name: string
}

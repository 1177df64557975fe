/** The domain services command handlers may call, built in the composition
 *  root (src/app/createApp.ts). Handlers reach them as ctx.<name>. */
export interface Services {
  publicUrl: string
}

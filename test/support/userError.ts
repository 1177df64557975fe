import { expect } from 'vitest'

/** Matches a thrown AppError by the sentence a user would see. */
export const userError = (userMessage: string) => expect.objectContaining({ userMessage })

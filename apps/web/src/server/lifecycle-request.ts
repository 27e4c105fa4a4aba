import { z } from 'zod';

/** The body of a rename, archive or restore. */
export const renameOrArchive = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    archived: z.boolean().optional(),
  })
  .refine(
    (b) => b.name !== undefined || b.archived !== undefined,
    'Send a name, archived or both.',
  );

/**
 * What a Mautic instance can do, asked once on connect: whether a contact edit takes the `stage`
 * parameter (Mautic 5's `LeadApiController::preSaveEntity` reads it), so stage changes can ride in
 * the 200-contact batch edit instead of one Stages API call per contact. The probe writes one
 * contact's own stage back to it in `PATCH /api/contacts/batch/edit`: nothing changes on an
 * instance that takes it, and one whose contact form lacks the parameter refuses the item.
 * An instance that silently drops the parameter cannot be told apart without moving a contact.
 */
import type { ConnectionProbe } from '../../src/pipeline/ports.ts';
import type { MauticClient } from './client.ts';
import { batchEditSchema, contactListSchema } from './wire.ts';

export async function probeStageWrite(client: MauticClient): Promise<ConnectionProbe> {
  const { data: list } = await client.request({
    method: 'GET',
    path: '/contacts',
    query: { start: 0, limit: 1, orderBy: 'id', orderByDir: 'asc' },
    schema: contactListSchema,
  });
  const contact = list.contacts[0]?.[1];
  if (!contact) {
    return {
      config: { stageWrite: 'stages_api' },
      notes: ['no contact to try the batch stage write on: stages go through the Stages API'],
    };
  }
  const { data } = await client.request({
    method: 'PATCH',
    path: '/contacts/batch/edit',
    body: [{ id: Number(contact.id), stage: contact.stage ? Number(contact.stage.id) : null }],
    schema: batchEditSchema,
  });
  const error = data.errors?.find(([index]) => index === '0')?.[1];
  const status = data.statusCodes?.find(([index]) => index === '0')?.[1];
  if (error || (status !== undefined && status >= 300)) {
    return {
      config: { stageWrite: 'stages_api' },
      notes: [
        `the instance refused a stage in the batch edit (${error?.message ?? `status ${status}`}): stages go through the Stages API`,
      ],
    };
  }
  return { config: { stageWrite: 'batch' }, notes: ['stages ride in the batch edit (200 contacts a call)'] };
}

/**
 * What a Mautic custom field keeps, read in Mautic 5.1's source:
 * - a text field holds `min(charLengthLimit, 191)` characters: the contact form adds a Length
 *   constraint for `charLengthLimit` and TextType's own 191
 *   (app/bundles/LeadBundle/Form/Type/EntityFieldsBuildFormTrait.php); `charLengthLimit` defaults
 *   to 64 when a field is created without one (app/bundles/LeadBundle/Entity/LeadField.php) and is
 *   not part of the field's API representation (`LeadField::loadApiMetadata`), so an existing
 *   field's length can only be learned from the 400 a too long value gets;
 * - a PATCH drops every numeric value whose integer part is 0 (`0 !== (int) $value`,
 *   app/bundles/LeadBundle/Controller/Api/CustomFieldsApiControllerTrait.php), and
 *   `LeadModel::setFieldValues` takes 0 for empty; a number field without a scale is read back as
 *   an integer (`fixNumbers`, same file).
 * So leadstage writes scores as whole numbers, and a score that rounds to 0 as an empty field
 * (with `overwriteWithBlank`, so the old value is cleared): in Mautic, an empty leadstage score
 * field means 0.
 */

/** TextType's Length(max: 191) in EntityFieldsBuildFormTrait.php. */
export const MAUTIC_TEXT_MAX = 191;
/** `LeadField::$charLengthLimit`'s default. */
export const MAUTIC_DEFAULT_LENGTH = 64;

/** A score as Mautic keeps it: a whole number, or null (written as blank) for 0. */
export function mauticScore(score: number): number | null {
  const whole = Math.round(score);
  // `Math.round(-0.4)` is -0; both zeros are dropped by Mautic.
  return whole === 0 ? null : whole;
}

/**
 * Cuts `text` to at most `max` characters (code points, as PHP's mb_strlen counts), at the last
 * word boundary that leaves room for an ellipsis; a single word longer than the room is cut hard.
 */
export function truncateOnWord(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 1) return chars.slice(0, max).join('');
  const room = chars.slice(0, max - 1);
  // The word the cut falls in is dropped whole, unless the next character starts a new word.
  let end = room.length;
  if (!/\s/.test(chars[max - 1]!)) {
    while (end > 0 && !/\s/.test(room[end - 1]!)) end--;
    if (end === 0) end = room.length;
  }
  while (end > 0 && /[\s,;:.-]/.test(room[end - 1]!)) end--;
  return `${room.slice(0, end).join('')}…`;
}

/**
 * The limit in Mautic's "This value is too long. It should have N characters or less." for `alias`
 * in a batch item error, or null when the error is about something else.
 */
export function lengthLimitFrom(message: string, alias: string): number | null {
  for (const part of message.split(/,\s*(?=[a-z0-9_]+:)/)) {
    const m = /^([a-z0-9_]+):\s*This value is too long\. It should have (\d+) characters? or less\./.exec(
      part,
    );
    if (m && m[1] === alias) return Number(m[2]);
  }
  return null;
}

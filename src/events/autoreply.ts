import { header, type MimePart } from './mime.ts';

/**
 * RFC 3834 automatic replies (out of office, vacation, "I have changed address", ticket receipts):
 * never a bounce, never the reader's request to leave.
 */
const AUTO_SUBJECT =
  /^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|absence|absent|réponse automatique|r[ée]ponse automatique|abwesenheit|automatische antwort|fuera de la oficina|respuesta autom[aá]tica|risposta automatica|fora do escrit[oó]rio|resposta autom[aá]tica|afwezig|automatisch antwoord|автоответ|автоматический ответ|自动回复|自動回覆|不在|otomatik yanıt)/i;

export function isAutoReply(root: MimePart): boolean {
  const auto = (header(root, 'auto-submitted') ?? 'no').toLowerCase();
  if (auto !== 'no' && auto !== '') return true;
  if (header(root, 'x-autoreply') || header(root, 'x-autorespond') || header(root, 'x-autoresponder'))
    return true;
  if (/auto[_-]?reply/i.test(header(root, 'precedence') ?? '')) return true;
  if (
    (header(root, 'x-auto-response-suppress') ?? '') &&
    /^(auto|automatic)/i.test(header(root, 'subject') ?? '')
  )
    return true;
  const subject = (header(root, 'subject') ?? '').slice(0, 300).replace(/^\s*(re|aw|tr|fw|fwd)\s*:\s*/i, '');
  return AUTO_SUBJECT.test(subject);
}

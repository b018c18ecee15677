/** The words of the public unsubscribe pages, in the list's language. */
export interface PageWords {
  confirmTitle: string;
  confirmText: string;
  confirmButton: string;
  doneTitle: string;
  doneText: string;
  resubscribeButton: string;
  resubscribedTitle: string;
  resubscribedText: string;
  invalidTitle: string;
  invalidText: string;
  helpTitle: string;
  helpText: string;
  tooMany: string;
  testTitle: string;
  testText: string;
  noResubscribeTitle: string;
  noResubscribeText: string;
}

const fr: PageWords = {
  confirmTitle: 'Se désabonner',
  confirmText: 'Vous ne recevrez plus cette lettre d’information. Confirmez d’un clic\u202F:',
  confirmButton: 'Me désabonner',
  doneTitle: 'Vous êtes désabonné(e)',
  doneText: 'Vous ne recevrez plus cette lettre d’information. Une erreur\u202F? Vous pouvez revenir\u202F:',
  resubscribeButton: 'Me réabonner',
  resubscribedTitle: 'C’est noté',
  resubscribedText: 'Vous recevrez de nouveau cette lettre d’information.',
  invalidTitle: 'Lien non valable',
  invalidText:
    'Ce lien de désabonnement est incomplet ou altéré. Utilisez le lien du dernier message reçu, ou répondez-y en demandant votre désabonnement.',
  helpTitle: 'Se désabonner',
  helpText:
    'Chaque message contient un lien de désabonnement personnel en bas de page, et votre messagerie propose souvent un bouton «\u202FSe désabonner\u202F».',
  tooMany: 'Trop de demandes\u202F: réessayez dans une minute.',
  testTitle: 'Exemplaire de test',
  testText:
    'Ce lien vient d’un exemplaire de test envoyé depuis l’aperçu. Il fonctionne comme celui des lecteurs, mais ne change rien\u202F: aucun abonnement n’est concerné.',
  noResubscribeTitle: 'Réabonnement impossible par ce lien',
  noResubscribeText:
    'Ce lien ne permet d’annuler un désabonnement que dans les trente jours qui le suivent. Pour recevoir de nouveau la lettre, écrivez-nous ou abonnez-vous à nouveau.',
};

const en: PageWords = {
  confirmTitle: 'Unsubscribe',
  confirmText: 'You will no longer receive this newsletter. Confirm with one click:',
  confirmButton: 'Unsubscribe me',
  doneTitle: 'You are unsubscribed',
  doneText: 'You will no longer receive this newsletter. A mistake? You can come back:',
  resubscribeButton: 'Subscribe me again',
  resubscribedTitle: 'Done',
  resubscribedText: 'You will receive this newsletter again.',
  invalidTitle: 'Invalid link',
  invalidText:
    'This unsubscribe link is incomplete or altered. Use the link in the latest message you received, or reply to it asking to be unsubscribed.',
  helpTitle: 'Unsubscribe',
  helpText:
    'Every message has a personal unsubscribe link at the bottom, and your mail app often offers an “Unsubscribe” button.',
  tooMany: 'Too many requests: try again in a minute.',
  testTitle: 'Test copy',
  testText:
    'This link comes from a test copy sent from the preview. It works like a reader’s link, but changes nothing: no subscription is involved.',
  noResubscribeTitle: 'This link cannot resubscribe you',
  noResubscribeText:
    'This link can undo an unsubscribe only within thirty days of it. To receive the newsletter again, write to us or subscribe again.',
};

export function pageWords(lang: string): PageWords {
  return lang.startsWith('fr') ? fr : en;
}

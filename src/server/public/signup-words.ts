/** The words of the signup and confirmation pages, in the newsletter's language. */
export interface SignupWords {
  title: (newsletter: string) => string;
  intro: string;
  email: string;
  name: string;
  lists: string;
  consent: (newsletter: string) => string;
  button: string;
  checkTitle: string;
  checkText: string;
  subscribedText: string;
  refused: string;
  fields: Record<'email' | 'name' | 'lists', string>;
  confirmTitle: string;
  confirmText: string;
  confirmButton: string;
  confirmedTitle: string;
  confirmedText: string;
  expiredTitle: string;
  expiredText: string;
  invalidTitle: string;
  invalidText: string;
  tooMany: string;
  forbidden: string;
  noLists: string;
}

const fr: SignupWords = {
  title: (n) => `S’abonner à ${n}`,
  intro: 'Une lettre par semaine, gratuite. Vous pourrez vous désabonner d’un clic à tout moment.',
  email: 'Adresse e-mail',
  name: 'Prénom (facultatif)',
  lists: 'Les lettres',
  consent: (n) =>
    `J’accepte de recevoir ${n} par e-mail. Mon adresse ne sert qu’à cet envoi\u202F; je peux me désabonner à tout moment.`,
  button: 'M’abonner',
  checkTitle: 'Vérifiez votre boîte aux lettres',
  checkText:
    'Merci\u202F! Si cette adresse peut recevoir la lettre, un message vient de partir\u202F: ouvrez le lien qu’il contient pour confirmer. Rien ne sera envoyé sans cette confirmation.',
  subscribedText:
    'Merci\u202F! Si cette adresse peut recevoir la lettre, elle est inscrite, ou un message lui demande de confirmer.',
  refused: 'Cette demande n’a pas pu être prise en compte\u202F:',
  fields: { email: 'adresse e-mail', name: 'prénom', lists: 'lettres' },
  confirmTitle: 'Confirmer l’inscription',
  confirmText: 'Un dernier clic pour recevoir la lettre\u202F:',
  confirmButton: 'Je confirme',
  confirmedTitle: 'C’est fait',
  confirmedText: 'Votre inscription est confirmée. À bientôt dans votre boîte aux lettres.',
  expiredTitle: 'Lien expiré',
  expiredText:
    'Ce lien de confirmation n’est plus valable. Abonnez-vous de nouveau pour en recevoir un autre.',
  invalidTitle: 'Lien non valable',
  invalidText: 'Ce lien de confirmation est incomplet ou altéré. Copiez-le en entier depuis le message reçu.',
  tooMany: 'Trop de demandes depuis votre connexion\u202F: réessayez dans une heure.',
  forbidden: 'Ce formulaire n’est pas autorisé à envoyer des inscriptions ici.',
  noLists: 'Aucune lettre n’est ouverte aux inscriptions pour le moment.',
};

const en: SignupWords = {
  title: (n) => `Subscribe to ${n}`,
  intro: 'One free letter a week. You can unsubscribe with one click at any time.',
  email: 'Email address',
  name: 'First name (optional)',
  lists: 'Newsletters',
  consent: (n) =>
    `I agree to receive ${n} by email. My address is used for nothing else; I can unsubscribe at any time.`,
  button: 'Subscribe',
  checkTitle: 'Check your inbox',
  checkText:
    'Thank you! If this address can receive the newsletter, a message is on its way: open its link to confirm. Nothing is sent without that confirmation.',
  subscribedText:
    'Thank you! If this address can receive the newsletter, it is subscribed, or a message asks it to confirm.',
  refused: 'This request could not be taken:',
  fields: { email: 'email address', name: 'first name', lists: 'newsletters' },
  confirmTitle: 'Confirm your subscription',
  confirmText: 'One last click to receive the newsletter:',
  confirmButton: 'I confirm',
  confirmedTitle: 'Done',
  confirmedText: 'Your subscription is confirmed. See you soon in your inbox.',
  expiredTitle: 'Link expired',
  expiredText: 'This confirmation link is no longer valid. Subscribe again to get a new one.',
  invalidTitle: 'Invalid link',
  invalidText: 'This confirmation link is incomplete or altered. Copy it whole from the message.',
  tooMany: 'Too many requests from your connection: try again in an hour.',
  forbidden: 'This form may not post signups here.',
  noLists: 'No newsletter is open for signups at the moment.',
};

export function signupWords(lang: string): SignupWords {
  return lang.toLowerCase().startsWith('en') ? en : fr;
}

/** The words of the reader's preferences page. */
export interface PreferencesWords {
  title: string;
  name: string;
  lists: string;
  locked: string;
  save: string;
  leaveAll: string;
  savedTitle: string;
  savedText: string;
  leftAllText: string;
  back: string;
  invalidTitle: string;
  invalidText: string;
  test: string;
}

const prefsFr: PreferencesWords = {
  title: 'Mon abonnement',
  name: 'Prénom',
  lists: 'Je reçois',
  locked: 'adresse en échec ou signalée\u202F: écrivez-nous',
  save: 'Enregistrer',
  leaveAll: 'Me désabonner de tout',
  savedTitle: 'C’est enregistré',
  savedText: 'Vos choix sont enregistrés.',
  leftAllText: 'Vous ne recevrez plus aucune de nos lettres.',
  back: 'Revenir à mes choix',
  invalidTitle: 'Lien non valable',
  invalidText: 'Ce lien est incomplet ou altéré. Utilisez celui du dernier message reçu.',
  test: 'Ce lien vient d’un exemplaire de test\u202F: il ne change rien.',
};

const prefsEn: PreferencesWords = {
  title: 'My subscription',
  name: 'First name',
  lists: 'I receive',
  locked: 'address failing or reported: write to us',
  save: 'Save',
  leaveAll: 'Unsubscribe from everything',
  savedTitle: 'Saved',
  savedText: 'Your choices are saved.',
  leftAllText: 'You will not receive any of our letters any more.',
  back: 'Back to my choices',
  invalidTitle: 'Invalid link',
  invalidText: 'This link is incomplete or altered. Use the one in the latest message.',
  test: 'This link comes from a test copy: it changes nothing.',
};

export function preferencesWords(lang: string): PreferencesWords {
  return lang.toLowerCase().startsWith('en') ? prefsEn : prefsFr;
}

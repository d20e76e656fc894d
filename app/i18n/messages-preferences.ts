// Leaving and privacy: unsubscribe, preferences, erasure.
// Keys are flat like the core messages; the Spanish object must have every English key.

const en = {
  "unsubscribe.title": "Stop emails from this campaign",
  "unsubscribe.body": "Stop getting the updates of “{title}” by email?",
  "unsubscribe.submit": "Unsubscribe",
  "unsubscribe.done": "Done: you will get no more updates of “{title}”.",
  "unsubscribe.already": "You do not get the updates of “{title}”.",
  "unsubscribe.preferences": "See and change everything you follow",

  "preferences.title": "Your email preferences",
  "preferences.intro": "The campaigns this email address follows on Sanctuary.",
  "preferences.none": "This address follows no campaign.",
  "preferences.campaign": "Campaign",
  "preferences.state": "Emails",
  "preferences.status.confirmed": "You get its updates",
  "preferences.status.pending": "Waiting for you to confirm (see the email we sent)",
  "preferences.status.unsubscribed": "Stopped",
  "preferences.stop": "Stop",
  "preferences.stopLabel": "Stop the updates of {title}",
  "preferences.resume": "Follow again",
  "preferences.resumeLabel": "Follow again: {title}",
  "preferences.stopAll": "Stop all emails",
  "preferences.stopAllHint": "You will get no more updates from any campaign.",
  "preferences.saved": "Saved.",
  "preferences.stoppedAll": "Done: you will get no more updates from any campaign.",
  "preferences.undeliverable": "Emails to this address could not be delivered, so we have stopped sending them.",
  "preferences.language": "Language of your emails",
  "preferences.languageSubmit": "Save",
  "preferences.erase.title": "Delete my data",
  "preferences.erase.body":
    "We delete your email address, name and ZIP code, the campaigns you follow, and your name, email address, ZIP code and comment on every petition you signed with this address. Your signatures still count in each petition's total, without your name.",
  "preferences.erase.submit": "Email me a link to delete my data",
  "preferences.erase.sent":
    "If we can, we have sent an email to this address. Open the link in it within 24 hours and press the button on its page: nothing is deleted until then.",
  "preferences.errors.locale": "Choose English or Spanish",

  "preferencesRequest.title": "Manage your emails",
  "preferencesRequest.intro":
    "Enter your email address and we will send you a link to your preferences page, where you can see what you follow, stop any of it, or delete your data.",
  "preferencesRequest.email": "Email address",
  "preferencesRequest.submit": "Send me a link",
  "preferencesRequest.sent":
    "If this address follows a campaign on Sanctuary, we have sent it a link. Check your inbox, and your spam folder, in a few minutes.",

  "erase.title": "Delete your data",
  "erase.warning": "This cannot be undone.",
  "erase.submit": "Delete my data",
  "erase.done": "Your data has been deleted. Sanctuary will send nothing more to this address unless you sign or follow again.",
  "erase.invalid":
    "This link does not work: it was already used, it has expired, or it was not copied completely. You can ask for a new one from your email preferences page.",
  "erase.ask": "Ask for a new link",
} as const;

const es: Record<keyof typeof en, string> = {
  "unsubscribe.title": "Dejar de recibir correos de esta campaña",
  "unsubscribe.body": "¿Dejar de recibir por correo las novedades de “{title}”?",
  "unsubscribe.submit": "Darme de baja",
  "unsubscribe.done": "Listo: no recibirá más novedades de “{title}”.",
  "unsubscribe.already": "Usted no recibe las novedades de “{title}”.",
  "unsubscribe.preferences": "Ver y cambiar todo lo que sigue",

  "preferences.title": "Sus preferencias de correo",
  "preferences.intro": "Las campañas que esta dirección de correo sigue en Sanctuary.",
  "preferences.none": "Esta dirección no sigue ninguna campaña.",
  "preferences.campaign": "Campaña",
  "preferences.state": "Correos",
  "preferences.status.confirmed": "Recibe sus novedades",
  "preferences.status.pending": "Falta su confirmación (vea el correo que le enviamos)",
  "preferences.status.unsubscribed": "Dada de baja",
  "preferences.stop": "Dejar de seguir",
  "preferences.stopLabel": "Dejar de seguir {title}",
  "preferences.resume": "Seguir de nuevo",
  "preferences.resumeLabel": "Seguir de nuevo: {title}",
  "preferences.stopAll": "No recibir ningún correo",
  "preferences.stopAllHint": "No recibirá más novedades de ninguna campaña.",
  "preferences.saved": "Guardado.",
  "preferences.stoppedAll": "Listo: no recibirá más novedades de ninguna campaña.",
  "preferences.undeliverable": "Los correos a esta dirección no se pudieron entregar, así que dejamos de enviarlos.",
  "preferences.language": "Idioma de sus correos",
  "preferences.languageSubmit": "Guardar",
  "preferences.erase.title": "Borrar mis datos",
  "preferences.erase.body":
    "Borramos su dirección de correo, su nombre y su código postal, las campañas que sigue, y su nombre, correo, código postal y comentario en cada petición que firmó con esta dirección. Sus firmas siguen contando en el total de cada petición, sin su nombre.",
  "preferences.erase.submit": "Enviarme un enlace para borrar mis datos",
  "preferences.erase.sent":
    "Si es posible, le hemos enviado un correo a esta dirección. Abra el enlace que contiene en las próximas 24 horas y pulse el botón de esa página: hasta entonces no se borra nada.",
  "preferences.errors.locale": "Elija inglés o español",

  "preferencesRequest.title": "Administre sus correos",
  "preferencesRequest.intro":
    "Escriba su dirección de correo y le enviaremos un enlace a su página de preferencias, donde puede ver lo que sigue, dejar de seguir lo que quiera o borrar sus datos.",
  "preferencesRequest.email": "Correo electrónico",
  "preferencesRequest.submit": "Enviarme un enlace",
  "preferencesRequest.sent":
    "Si esta dirección sigue alguna campaña en Sanctuary, le hemos enviado un enlace. Revise su bandeja de entrada, y la carpeta de correo no deseado, en unos minutos.",

  "erase.title": "Borrar sus datos",
  "erase.warning": "Esto no se puede deshacer.",
  "erase.submit": "Borrar mis datos",
  "erase.done": "Sus datos se han borrado. Sanctuary no enviará nada más a esta dirección, salvo que vuelva a firmar o a seguir una campaña.",
  "erase.invalid":
    "Este enlace no funciona: ya se usó, venció o no se copió completo. Puede pedir uno nuevo desde su página de preferencias de correo.",
  "erase.ask": "Pedir un enlace nuevo",
};

export const preferencesMessages = { en, es };

"""Names of portal lifecycle events and app statuses, in Russian and English, for the console's pages."""

from i18n import register

register({
    "portal_event_created": ("портал добавлен", "portal added"),
    "portal_event_installed": ("установлено", "installed"),
    "portal_event_install_event": ("событие установки", "install event"),
    "portal_event_reinstalled": ("установлено заново", "reinstalled"),
    "portal_event_version_updated": ("версия обновлена", "version updated"),
    "portal_event_domain_changed": ("адрес изменён", "address changed"),
    "portal_event_handlers_bound": ("кнопки привязаны заново", "handlers bound again"),
    "portal_event_reauth_needed": ("нужна повторная авторизация", "re-authorisation needed"),
    "portal_event_uninstalled": ("удалено", "uninstalled"),
    "portal_event_blocked": ("заблокирован", "blocked"),
    "portal_event_overloaded": ("REST портала заблокирован (OVERLOAD_LIMIT)", "portal REST blocked (OVERLOAD_LIMIT)"),
    "portal_event_unpaid": ("подписка закончилась", "subscription ended"),
    "portal_event_payment": ("статус оплаты изменён", "payment status changed"),
    "portal_event_payment_event": ("событие оплаты", "payment event"),
    "portal_event_tokens_renewed": ("токены обновлены администратором", "tokens renewed by an administrator"),
    "portal_event_unblocked": ("разблокирован", "unblocked"),
    "app_status_free": ("бесплатно", "free"),
    "app_status_demo": ("демо", "demo"),
    "app_status_trial": ("пробный период", "trial"),
    "app_status_paid": ("оплачено", "paid"),
    "app_status_local": ("локальное", "local"),
    "app_status_subscription": ("подписка", "subscription"),
    "app_status_unknown": ("неизвестно", "unknown"),
    "install_admin_only_title": ("Установка доступна только администратору",
                                 "Only an administrator can install this app"),
    "install_admin_only": (
        "Только администратор портала может установить или переустановить {app}. "
        "Попросите администратора открыть приложение; ничего не изменено.",
        "Only a portal administrator can install or reinstall {app}. "
        "Ask your administrator to open the app; nothing was changed."),
    "blocked_page_title": ("Техподдержка для этого портала приостановлена", "Support is suspended for this portal"),
    "blocked_page_text": (
        "{vendor} приостановил обслуживание этого портала. Чтобы возобновить его, свяжитесь с нами:",
        "{vendor} has suspended support for this portal. To resume it, contact us:"),
    "contact_phone_label": ("Телефон", "Phone"),
    "contact_address_label": ("Адрес", "Address"),
    "uninstalled_refusal": (
        "Приложение удалено с этого портала. Администратор может установить его заново.",
        "The app has been removed from this portal. An administrator can install it again."),
})

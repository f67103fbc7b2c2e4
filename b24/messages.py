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
})

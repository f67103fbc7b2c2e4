"""Strings shared by every page: titles, errors, the words for portal and version."""

from i18n import register

register({
    "support": ("Техподдержка", "Support"),
    "portal": ("Портал", "Portal"),
    "app_version": ("Версия приложения", "App version"),
    "error_title": ("Не получилось", "That did not work"),
    "error_internal": ("У нас что-то сломалось. Ничего не потеряно; попробуйте ещё раз.",
                       "Something went wrong on our side. Nothing was lost; try again."),
    "error_hint": ("Если ошибка повторяется, напишите нам:", "If this keeps happening, write to us:"),
    "install_title": ("Установка {app}", "Installing {app}"),
    "install_done": ("Приложение установлено на портал {domain}. Кнопка «Техподдержка» уже на месте.",
                     "The app is installed on {domain}. The Support button is in place."),
    "install_partial": ("Приложение установлено на портал {domain}, но портал добавил не всё:",
                        "The app is installed on {domain}, but the portal did not accept everything:"),
    "install_bind_failed": ("Портал не ответил на просьбу добавить кнопки ({code}).",
                            "The portal did not answer the request to add the buttons ({code})."),
    "install_bound": ("Кнопки «Техподдержка»", "Support buttons"),
    "install_retry_later": ("Остальное работает. Приложение попробует ещё раз при следующем обновлении; "
                            "разработчик может повторить сразу.",
                            "Everything else works. The app tries again at the next update; the developer "
                            "can retry at once."),
    "bind_what_placement": ("кнопка {name}", "button {name}"),
    "bind_what_event": ("событие {name}", "event {name}"),
    "bind_refused_scope": ("у приложения нет права «{scope}» на этом портале",
                           "the app has no “{scope}” permission (scope) on this portal"),
    "bind_refused_rights": ("добавить её может только администратор портала",
                            "only a portal administrator may add it"),
    "bind_refused_other": ("портал отказал ({code})", "the portal refused ({code})"),
    "outside_bitrix24": ("Эта страница открывается внутри портала Битрикс24: установите приложение из "
                         "Битрикс24.Маркет и нажмите «Техподдержка».",
                         "This page opens inside a Bitrix24 portal: install the app from Bitrix24.Market "
                         "and click Support."),
    "open_sandbox": ("Открыть тестовый портал", "Open the sandbox portal"),
    "support_home_title": ("{app}: техподдержка", "{app} support"),
    "support_home_lead": ("Заявка уходит прямо разработчику, {vendor}.",
                          "Requests go straight to the developer, {vendor}."),
})

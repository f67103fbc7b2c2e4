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
    "install_bind_failed": ("Приложение запомнило портал, но не смогло добавить кнопку «Техподдержка». "
                            "Откройте установку ещё раз.",
                            "The app remembered the portal but could not add the Support button. "
                            "Run the installer again."),
    "outside_bitrix24": ("Эта страница открывается внутри портала Битрикс24: установите приложение из "
                         "Битрикс24.Маркет и нажмите «Техподдержка».",
                         "This page opens inside a Bitrix24 portal: install the app from Bitrix24.Market "
                         "and click Support."),
    "open_sandbox": ("Открыть тестовый портал", "Open the sandbox portal"),
    "support_home_title": ("{app}: техподдержка", "{app} support"),
    "support_home_lead": ("Заявка уходит прямо разработчику, {vendor}.",
                          "Requests go straight to the developer, {vendor}."),
})

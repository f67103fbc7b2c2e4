"""Strings of the ops package: refusals a user may see inside the portal or the console."""

from i18n import register

register({
    "rate_limited": ("Слишком много запросов: не больше {limit} за {span}. Повторите через {left} с.",
                     "Too many requests: at most {limit} per {span}. Try again in {left} s."),
    "rate_limited_portal": ("С этого портала отправлено слишком много заявок за {span}. Повторите через {left} с.",
                            "This portal has sent too many requests in the last {span}. Try again in {left} s."),
    "rate_limited_user": ("Вы отправили слишком много заявок за {span}. Повторите через {left} с.",
                          "You have sent too many requests in the last {span}. Try again in {left} s."),
    "db_unavailable": ("База данных на минуту недоступна. Повторите через несколько секунд: "
                       "введённое вами не потеряется, если отправить ещё раз.",
                       "The database is unavailable for a moment. Send again in a few seconds."),
    "span_seconds": ("{n} с", "{n} seconds"),
    "span_minutes": ("{n} мин", "{n} minutes"),
    "span_hours": ("{n} ч", "{n} hours"),
    "span_minute": ("минуту", "minute"),
    "span_hour": ("час", "hour"),
})

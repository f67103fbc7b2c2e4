"""The incident store's strings, Russian and English; each block belongs to one part of the package."""

from i18n import register

# --- Attachments (tickets/uploads.py, tickets/attachments.py) -------------------------------------------
register({
    "attachment_too_large": (
        "Файл «{name}» больше допустимых {limit} МБ, поэтому он не принят. Уменьшите его (например, "
        "запишите видео короче или в меньшем разрешении) или пришлите ссылку на него.",
        "The file “{name}” is larger than the {limit} MB limit, so it was not accepted. Make it smaller "
        "(for example, a shorter or lower-resolution video) or send a link to it instead.",
    ),
    "attachment_request_too_large": (
        "Вложения вместе больше {limit} МБ, поэтому заявка не принята. Отправьте файлы по частям или ссылкой.",
        "The attachments together exceed {limit} MB, so the request was not accepted. "
        "Send fewer files at once or a link instead.",
    ),
    "attachment_too_many_files": (
        "За один раз можно приложить не больше {limit} файлов.",
        "At most {limit} files can be attached at once.",
    ),
    "attachment_incomplete": (
        "Загрузка оборвалась, файл не получен полностью. Проверьте соединение и отправьте ещё раз.",
        "The upload was cut off before the file arrived in full. Check the connection and send it again.",
    ),
    "attachment_empty": (
        "Файл «{name}» пустой.",
        "The file “{name}” is empty.",
    ),
    "attachment_wrong_type_video": (
        "«{name}» не похож на видео. Подходят файлы {allowed}; можно также дать ссылку на видео.",
        "“{name}” is not a video we accept. Allowed: {allowed}; you can also give a link to the video.",
    ),
    "attachment_wrong_type_file": (
        "Файл «{name}» такого типа приложить нельзя. Подходят {allowed}.",
        "A file like “{name}” cannot be attached. Allowed: {allowed}.",
    ),
    "form_too_large": (
        "Форма слишком большая: одно из текстовых полей или число частей превышает предел.",
        "The form is too large: a text field or the number of parts is over the limit.",
    ),
    "form_malformed": (
        "Форму не удалось прочитать: данные пришли повреждёнными. Отправьте её ещё раз.",
        "The form could not be read: the data arrived damaged. Please send it again.",
    ),
})
# --- end of attachments ----------------------------------------------------------------------------------

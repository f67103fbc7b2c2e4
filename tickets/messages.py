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

# --- Resumable uploads over tus (tickets/resumable.py) ---------------------------------------------------
register({
    "upload_length_required": (
        "Загрузка не начата: клиент не сообщил размер файла (Upload-Length).",
        "The upload was not started: the client did not say how large the file is (Upload-Length).",
    ),
    "upload_bad_header": (
        "Заголовок {header} задан неверно.",
        "The {header} header is missing or not valid.",
    ),
    "upload_bad_role": (
        "Неизвестное назначение файла: укажите video или file.",
        "Unknown purpose of the file: say video or file.",
    ),
    "upload_offset_mismatch": (
        "Часть файла пришла не с того места: сервер получил {offset} байт. Загрузка продолжится с этого места.",
        "This part of the file does not continue where the server is: it holds {offset} bytes. "
        "The upload goes on from there.",
    ),
    "upload_past_length": (
        "Пришло больше данных, чем объявленный размер файла ({length} байт); эта часть не принята.",
        "More data arrived than the file's declared size ({length} bytes); this part was not accepted.",
    ),
    "upload_locked": (
        "Эта загрузка уже идёт в другом запросе. Подождите немного и продолжите.",
        "This upload is being written by another request. Wait a moment and go on.",
    ),
    "upload_not_found": (
        "Загрузка не найдена: она удалена, устарела или принадлежит другой форме.",
        "Upload not found: it was deleted, it expired, or it belongs to another form.",
    ),
    "upload_unfinished": (
        "Файл «{name}» ещё загружается. Дождитесь окончания загрузки и отправьте форму.",
        "The file “{name}” is still uploading. Wait until it is complete, then send the form.",
    ),
    "upload_wrong_content_type": (
        "Части файла принимаются только как application/offset+octet-stream.",
        "File parts are accepted only as application/offset+octet-stream.",
    ),
    "upload_unsupported_version": (
        "Поддерживается только протокол tus 1.0.0.",
        "Only the tus protocol 1.0.0 is supported.",
    ),
})
# --- end of resumable uploads ----------------------------------------------------------------------------

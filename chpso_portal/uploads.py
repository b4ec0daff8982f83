"""Files people upload: the type read from the content, the size, and photos without metadata.

One check for every upload the portal keeps in its private storage (a collaborative's
resources, a report's attachments). A file is accepted only when its extension is one the
caller allows AND its content is that type: a PDF starts with %PDF-, a PNG or JPEG has its
signature and opens as an image, a Word or Excel file is a ZIP holding the parts of that kind
of document (and no macros), a text file is UTF-8 without NUL bytes. A ".jpg" that holds a web
page is refused whatever the browser said its type was: the browser's word is never read.

`without_metadata` writes a JPEG or PNG again from its pixels, so nothing travels with it that
the camera or phone added: GPS location, the device's owner and serial number, the time, a
thumbnail of the uncropped photo.
"""

import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str


TYPES = {t.extension: t for t in (
    FileType("pdf", "application/pdf", "PDF"),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "Word"),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "Excel"),
    FileType("pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "PowerPoint"),
    FileType("csv", "text/csv", "CSV"),
    FileType("txt", "text/plain", "text"),
    FileType("png", "image/png", "PNG"),
    FileType("jpg", "image/jpeg", "JPEG"),
)}
ALIASES = {"jpeg": "jpg", "jpe": "jpg", "text": "txt"}
IMAGES = {"jpg", "png"}
# The part every Office document of that kind holds (ECMA-376 part names).
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml",
                "pptx": "ppt/presentation.xml"}
SIGNATURES = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
# A photo larger than this many pixels is refused before it is decoded (a small file can
# claim an enormous image).
MAX_PIXELS = 50_000_000


def extension_of(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ALIASES.get(extension, extension)


def _read(upload) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


def _is_office(content: bytes, extension: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if "[Content_Types].xml" not in names or OFFICE_PARTS[extension] not in names:
        return False
    # Macros (vbaProject.bin) make it a .docm/.xlsm whatever the name says.
    return not any(name.lower().endswith("vbaproject.bin") for name in names)


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_image(content: bytes, extension: str) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != ("JPEG" if extension == "jpg" else "PNG"):
                return False
            width, height = image.size
            if width * height > MAX_PIXELS:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return False
    return True


def content_is(content: bytes, extension: str) -> bool:
    """Whether `content` is a file of the type `extension` names."""
    if extension in SIGNATURES and not content.startswith(SIGNATURES[extension]):
        return False
    if extension in IMAGES:
        return _is_image(content, extension)
    if extension in OFFICE_PARTS:
        return _is_office(content, extension)
    if extension in ("txt", "csv"):
        return _is_text(content)
    return extension == "pdf"


def types_label(extensions) -> str:
    """"PDF, Word, PNG or JPEG" for a message naming what may be uploaded."""
    labels = [TYPES[e].label for e in extensions]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def check_upload(upload, *, allowed, max_bytes: int, field: str = "file") -> FileType:
    """The type of an uploaded file, read from its content; a ValidationError on `field`
    saying what is wrong when its extension is not allowed, it is too large, or its content
    is not what its name says."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = extension_of(name)
    if extension not in allowed:
        raise ValidationError({field: f"{name or 'The file'}: upload a "
                                      f"{types_label(allowed)} file."})
    if upload.size > max_bytes:
        raise ValidationError({field: f"{name}: the file is larger than "
                                      f"{max_bytes // (1024 * 1024)} MB."})
    if upload.size == 0:
        raise ValidationError({field: f"{name}: the file is empty."})
    content = _read(upload)
    if not content_is(content, extension):
        if extension in ("txt", "csv"):
            raise ValidationError({field: f"{name}: a text file must be UTF-8 text."})
        raise ValidationError({field: f"{name}: the file's content is not a .{extension} file."})
    return TYPES[extension]


def without_metadata(upload, file_type: FileType) -> bytes:
    """The photo written again from its pixels, turned the way the camera held it, with no
    EXIF, XMP, IPTC or text chunks (location, device, owner, time, embedded thumbnail). The
    colour profile is kept: it says how to show the colours and names no one."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(_read(upload))) as original:
        image = ImageOps.exif_transpose(original)
        icc = original.info.get("icc_profile")
        image.info = {}  # Pillow would otherwise carry a JPEG comment over from the original
        out = io.BytesIO()
        options = {"icc_profile": icc} if icc else {}
        if file_type.extension == "jpg":
            if image.mode not in ("RGB", "L", "CMYK"):
                image = image.convert("RGB")
            image.save(out, "JPEG", quality=90, **options)
        else:
            image.save(out, "PNG", **options)
    return out.getvalue()

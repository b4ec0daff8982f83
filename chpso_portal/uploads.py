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

`cleaned` does the same for every kind of file that carries details about the people who made
it: a photo as above; a Word or Excel file written again without its document properties
(author, last modified by, company, manager, title, custom properties) and its thumbnail
(a picture of the first page as last saved), with every comment, tracked change and co-author
credited to "Author", and every JPEG or PNG picture in it written again from its pixels; a
PDF written again without its document information (/Info) and XMP metadata, and with its
comments credited to "Author". A safety lead shares a file with the PSO; what the file says
about who wrote it must not name a provider or the hospital.
"""

import io
import posixpath
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

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


def _picture_without_metadata(data: bytes) -> bytes | None:
    """A JPEG or PNG picture found inside a document, written again from its pixels in the
    same format and size, with no EXIF (GPS, device, owner, time), XMP, IPTC, comment or text
    chunk; None when `data` is neither. Unlike a photo uploaded on its own, the pixels are not
    turned: the document gives the picture's place and size on the page, and the EXIF
    orientation alone (a number, naming no one) is written back so that it shows as before.
    Refused when the picture cannot be decoded, or claims more pixels than a photo may."""
    from PIL import Image, UnidentifiedImageError

    if data.startswith(SIGNATURES["jpg"]):
        kind = "JPEG"
    elif data.startswith(SIGNATURES["png"]):
        kind = "PNG"
    else:
        return None
    try:
        with Image.open(io.BytesIO(data)) as original:
            width, height = original.size
            if original.format != kind or width * height > MAX_PIXELS:
                raise Refused("A picture in the document cannot be read, or is too large.")
            original.load()
            orientation = original.getexif().get(0x0112)
            options = {}
            if icc := original.info.get("icc_profile"):
                options["icc_profile"] = icc
            if orientation in range(2, 9):
                exif = Image.Exif()
                exif[0x0112] = orientation
                options["exif"] = exif.tobytes()
            image = original.copy()
            image.info = {}
            out = io.BytesIO()
            if kind == "JPEG":
                if image.mode not in ("RGB", "L", "CMYK"):
                    image = image.convert("RGB")
                image.save(out, "JPEG", quality=90, **options)
            else:
                # A logo's transparent background is part of the picture, not a detail about it.
                if "transparency" in original.info:
                    options["transparency"] = original.info["transparency"]
                image.save(out, "PNG", **options)
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError, KeyError,
            Image.DecompressionBombError) as exc:
        raise Refused("A picture in the document cannot be read.") from exc
    return out.getvalue()


# --- Documents without metadata -----------------------------------------------------------

ANONYMOUS = "Author"
# A Word or Excel file is refused when its parts would expand beyond this, or it holds more
# parts than this: a small ZIP can claim gigabytes.
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 2000
PDF_REFUSED = ("{name}: the PDF is protected by a password or cannot be read. Open it, save "
               "it again as PDF without a password, and choose it again.")
OFFICE_REFUSED = ("{name}: the file cannot be read as a {label} document. Open it, save it "
                  "again as .{extension}, and choose it again.")

_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
_X = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_X15AC = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
_XTC = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_CUSTOM = "docProps/custom.xml"


def _dropped_part(name: str) -> bool:
    """Parts left out of the cleaned file, with their relationships and content types: the
    custom properties, and the thumbnail (docProps/thumbnail.jpeg, .png, .wmf, .emf), a
    picture of the first page as it was when last saved, which may show what was since
    removed from it."""
    name = name.lstrip("/")
    return name == _CUSTOM or name.lower().startswith("docprops/thumbnail.")

# Elements whose text is emptied (the element stays), and elements removed with their content.
_BLANK = {(_DC, "creator"), (_CP, "lastModifiedBy"), (_DC, "title"), (_DC, "description"),
          (_DC, "subject"), (_CP, "keywords"), (_CP, "category"), (_CP, "contentStatus"),
          (_DC, "identifier"), (_EP, "Company"), (_EP, "Manager"), (_EP, "HyperlinkBase"),
          (_EP, "Template")}
_DROP = {(_CP, "lastPrinted"), (_DCTERMS, "created"), (_DCTERMS, "modified"),
         (_W15, "presenceInfo"),
         (_X15AC, "absPath")}  # the folder Excel saved it in: C:\Users\<name>\...
# Elements whose text names a person: an Excel comment's author.
_AUTHOR_TEXT = {(_X, "author")}
# Attributes naming a person, on any element: (namespace or None for an unprefixed attribute
# of an element in that namespace, local name) -> the value written instead.
_AUTHOR_ATTRIBUTES = {
    (_W, "author"): ANONYMOUS, (_W, "initials"): "A", (_W15, "author"): ANONYMOUS,
    (_W15, "userId"): ANONYMOUS, (_W15, "providerId"): "None",
    ((_XTC, None), "displayName"): ANONYMOUS, ((_XTC, None), "userId"): ANONYMOUS,
    ((_XTC, None), "providerId"): "None", ((_X, None), "userName"): ANONYMOUS,
    # PowerPoint's comment authors (ppt/commentAuthors.xml, on cmAuthor only).
    ((_P, None), "name"): ANONYMOUS, ((_P, None), "initials"): "A",
}


class Refused(ValueError):
    """The file cannot be written again safely (a DOCTYPE, a ZIP bomb, a password)."""


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = (text.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
                .replace("\r", "&#13;"))
    else:
        text = text.replace("\r", "&#13;")
    return text


class _Rewriter:
    """Writes an XML part again, event by event, as it was (same prefixes, declarations and
    order), except for the details above. A DOCTYPE or an entity declaration refuses the
    part: entities are the way to make a small part expand without bound."""

    def __init__(self, drop_relationship=None, drop_override=None):
        self.out = []
        self.scopes = [{"xml": "http://www.w3.org/XML/1998/namespace"}]
        self.skip = 0  # depth inside an element being removed
        self.blank = 0  # depth inside an element whose text is emptied
        self.replace_text = None
        self.pending = None  # a start tag not yet closed (">" or "/>")
        self.drop_relationship = drop_relationship
        self.drop_override = drop_override

    def _resolve(self, qname: str, scope: dict, attribute: bool = False):
        prefix, _, local = qname.rpartition(":")
        if not prefix and attribute:
            return None, local
        return scope.get(prefix), local

    def _flush(self):
        if self.pending is not None:
            self.out.append(self.pending + ">")
            self.pending = None

    def xml_decl(self, version, encoding, standalone):
        alone = "" if standalone == -1 else (' standalone="yes"' if standalone else
                                              ' standalone="no"')
        self.out.append(f'<?xml version="{version or "1.0"}" encoding="UTF-8"{alone}?>')

    @staticmethod
    def refuse(*args):
        raise Refused("A part of the document declares a DOCTYPE or an entity.")

    def start(self, qname, attributes):
        scope = dict(self.scopes[-1])
        pairs = list(zip(attributes[::2], attributes[1::2], strict=True))
        for key, value in pairs:
            if key == "xmlns":
                scope[""] = value
            elif key.startswith("xmlns:"):
                scope[key[6:]] = value
        self.scopes.append(scope)
        name = self._resolve(qname, scope)
        if self.skip:
            self.skip += 1
            return
        values = {self._resolve(k, scope, True): v for k, v in pairs}
        if (name in _DROP or (self.drop_relationship and name == (_RELS, "Relationship")
                              and self.drop_relationship(values.get((None, "Target"), "")))
                or (self.drop_override and name == (_TYPES, "Override")
                    and self.drop_override(values.get((None, "PartName"), "")))):
            self.skip = 1
            return
        self._flush()
        if self.blank:
            self.blank += 1
        elif name in _BLANK:
            self.blank, self.replace_text = 1, ""
        elif name in _AUTHOR_TEXT:
            self.blank, self.replace_text = 1, ANONYMOUS
        written = []
        for key, value in pairs:
            attribute = self._resolve(key, scope, True)
            if attribute[0] is None:
                replacement = _AUTHOR_ATTRIBUTES.get(((name[0], None), attribute[1]))
                if name[0] == _P and name[1] != "cmAuthor":
                    replacement = None  # "name" on other slide elements is not a person
            else:
                replacement = _AUTHOR_ATTRIBUTES.get(attribute)
            value = value if replacement is None else replacement
            written.append(f' {key}="{_escape(value, True)}"')
        self.pending = f"<{qname}{''.join(written)}"

    def end(self, qname):
        self.scopes.pop()
        if self.skip:
            self.skip -= 1
            return
        if self.blank:
            self.blank -= 1
            if self.blank == 0 and self.replace_text:
                self._flush()
                self.out.append(_escape(self.replace_text))
            if self.blank == 0:
                self.replace_text = None
        if self.pending is not None:
            self.out.append(self.pending + "/>")
            self.pending = None
        else:
            self.out.append(f"</{qname}>")

    def text(self, data):
        if self.skip or self.blank:
            return
        self._flush()
        self.out.append(_escape(data))

    def comment(self, data):
        if not self.skip:
            self._flush()
            self.out.append(f"<!--{data}-->")

    def instruction(self, target, data):
        if not self.skip:
            self._flush()
            self.out.append(f"<?{target} {data}?>" if data else f"<?{target}?>")

    def rewrite(self, content: bytes) -> bytes:
        parser = expat.ParserCreate()
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.XmlDeclHandler = self.xml_decl
        parser.StartDoctypeDeclHandler = self.refuse
        parser.EntityDeclHandler = self.refuse
        parser.UnparsedEntityDeclHandler = self.refuse
        parser.ExternalEntityRefHandler = self.refuse
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.CommentHandler = self.comment
        parser.ProcessingInstructionHandler = self.instruction
        try:
            parser.Parse(content, True)
        except expat.ExpatError as exc:
            raise Refused(f"A part of the document is not well-formed XML: {exc}") from exc
        return "".join(self.out).encode("utf-8")


# What a part holding a person's name contains somewhere (an attribute or element name).
_MARKERS = (b"author", b"userName", b"userId", b"displayName", b"providerId", b"presenceInfo",
            b"absPath")


def _check_xml(data: bytes) -> None:
    """Refused when the part declares a DOCTYPE or an entity, or is not well-formed."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _Rewriter.refuse
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _Rewriter.refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise Refused(f"A part of the document is not well-formed XML: {exc}") from exc


def _names_someone(name: str, data: bytes) -> bool:
    """Whether the part is written again: document properties, relationships and content
    types always, any other part that may name a person (every part is checked first)."""
    _check_xml(data)
    if name.startswith("docProps/") or name.endswith(".rels") or name == "[Content_Types].xml":
        return True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        return True  # UTF-16: the markers are not written as these bytes
    return any(marker in data for marker in _MARKERS)


def _target(rels_name: str, target: str) -> str:
    """The part a relationship in `rels_name` ("word/_rels/document.xml.rels") points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    source_folder = posixpath.dirname(posixpath.dirname(rels_name))
    return posixpath.normpath(posixpath.join(source_folder, target))


def office_without_metadata(content: bytes) -> bytes:
    """A Word, Excel or PowerPoint file written again without its document properties and
    with every author credited to "Author"; Refused when it cannot be done safely."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Refused("Not a ZIP file.") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise Refused("The document holds too many parts.")
        if sum(info.file_size for info in infos) > MAX_EXPANDED_BYTES:
            raise Refused("The document expands beyond the size the portal accepts.")
        if any(info.flag_bits & 0x1 for info in infos):
            raise Refused("The document is protected by a password.")
        out = io.BytesIO()
        expanded = 0
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as cleaned:
            seen = set()
            for info in infos:
                name = info.filename
                if name in seen or name.endswith("/"):
                    continue
                seen.add(name)
                if _dropped_part(name):
                    continue
                try:
                    with archive.open(info) as part:
                        # A ZIP header can understate a part's size: read no more than allowed.
                        data = part.read(MAX_EXPANDED_BYTES - expanded + 1)
                except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
                    raise Refused("A part of the document cannot be read.") from exc
                expanded += len(data)
                if expanded > MAX_EXPANDED_BYTES:
                    raise Refused("The document expands beyond the size the portal accepts.")
                if name.lower().endswith((".xml", ".rels")) and _names_someone(name, data):
                    rewriter = _Rewriter(
                        drop_relationship=(lambda target, rels=name:
                                           _dropped_part(_target(rels, target)))
                        if name.endswith(".rels") else None,
                        drop_override=_dropped_part if name == "[Content_Types].xml" else None)
                    data = rewriter.rewrite(data)
                else:
                    # Pictures are found by their content, wherever they are kept (word/media,
                    # xl/media, ppt/media) and whatever their name says.
                    picture = _picture_without_metadata(data)
                    if picture is not None:
                        data = picture
                # A fixed time: the ZIP's own dates say when the file was last saved.
                entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                cleaned.writestr(entry, data)
    return out.getvalue()


def pdf_without_metadata(content: bytes) -> bytes:
    """The PDF written again without /Info, without XMP metadata (on the document and its
    pages) and with its comments credited to "Author"; Refused when it is encrypted or cannot
    be read."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject, TextStringObject

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise Refused("The PDF is encrypted.")
        if len(reader.pages) == 0:
            raise Refused("The PDF has no pages.")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        root = writer.root_object
        for key in ("/Metadata", "/PieceInfo"):
            if key in root:
                del root[key]
        for page in writer.pages:
            for key in ("/Metadata", "/PieceInfo"):
                if key in page:
                    del page[key]
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                if annotation.get("/Subtype") == "/Widget":
                    continue  # a form field's /T is its name, not an author
                if "/T" in annotation:
                    annotation[NameObject("/T")] = TextStringObject(ANONYMOUS)
                if "/Metadata" in annotation:
                    del annotation["/Metadata"]
        # The objects no longer referenced (the old /Info and XMP streams) are not written.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except Refused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError) as exc:
        raise Refused("The PDF cannot be read.") from exc
    return out.getvalue()


def cleaned(upload, file_type: FileType, field: str = "file") -> tuple[bytes, bool]:
    """(the content to store, whether details about who made it were removed), or a
    ValidationError on `field` saying how to fix a file that cannot be cleaned."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1] or "The file"
    extension = file_type.extension
    if extension in IMAGES:
        return without_metadata(upload, file_type), True
    try:
        if extension in OFFICE_PARTS:
            return office_without_metadata(_read(upload)), True
        if extension == "pdf":
            return pdf_without_metadata(_read(upload)), True
    except Refused as exc:
        message = PDF_REFUSED if extension == "pdf" else OFFICE_REFUSED
        raise ValidationError({field: message.format(name=name, label=file_type.label,
                                                     extension=extension)}) from exc
    return _read(upload), False

"""Word, Excel and PDF files are stored without the details of who made them: author, last
modified by, company, manager, custom properties, comments' and tracked changes' authors,
the PDF's /Info and XMP metadata. A file that cannot be cleaned safely is refused."""

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from cases import attachments
from chpso_portal.uploads import (
    MAX_EXPANDED_BYTES,
    TYPES,
    Refused,
    cleaned,
    office_without_metadata,
    pdf_without_metadata,
)
from tests.factories import ReportFactory

SECRETS = ("Dr. Jane Okafor", "Mercy General", "Okafor", "jokafor@mercy.example",
           "Night Charge Nurse", "Ward 7 falls", "Pat Quinlan", "Risk Office")

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="{CT}"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{{main}}" ContentType="{{main_type}}"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>"""  # noqa: E501

ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{{main}}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>"""  # noqa: E501

CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Ward 7 falls</dc:title><dc:subject>Ward 7 falls</dc:subject><dc:creator>Dr. Jane Okafor</dc:creator><cp:keywords>Mercy General</cp:keywords><dc:description>Pat Quinlan</dc:description><cp:lastModifiedBy>Pat Quinlan</cp:lastModifiedBy><cp:revision>3</cp:revision><cp:lastPrinted>2026-11-02T10:00:00Z</cp:lastPrinted><dcterms:created xsi:type="dcterms:W3CDTF">2026-11-01T09:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-02T09:00:00Z</dcterms:modified><cp:category>Risk Office</cp:category></cp:coreProperties>"""  # noqa: E501

APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft Office Word</Application><Pages>1</Pages><Company>Mercy General</Company><Manager>Night Charge Nurse</Manager><HyperlinkBase>https://intranet.mercy.example/</HyperlinkBase><Template>Mercy General.dotm</Template></Properties>"""  # noqa: E501

CUSTOM = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>jokafor@mercy.example</vt:lpwstr></property></Properties>"""  # noqa: E501

DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w="{W}" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"><w:body><w:p w14:paraId="1A2B3C4D"><w:r><w:t xml:space="preserve">The pump alarm was silenced &amp; the dose was late. </w:t></w:r><w:ins w:id="1" w:author="Dr. Jane Okafor" w:date="2026-11-02T09:00:00Z"><w:r><w:t>Added later.</w:t></w:r></w:ins><w:del w:id="2" w:author="Pat Quinlan" w:date="2026-11-02T09:00:00Z"><w:r><w:delText>Removed.</w:delText></w:r></w:del><w:commentRangeStart w:id="0"/><w:r><w:t>Bed 4</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p><w:sectPr/></w:body></w:document>"""  # noqa: E501

COMMENTS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="Dr. Jane Okafor" w:date="2026-11-02T09:00:00Z" w:initials="JO"><w:p><w:r><w:t>Check the pump log.</w:t></w:r></w:p></w:comment></w:comments>"""  # noqa: E501

PEOPLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="Dr. Jane Okafor"><w15:presenceInfo w15:providerId="AD" w15:userId="jokafor@mercy.example"/></w15:person></w15:people>"""  # noqa: E501

WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" url="C:\\Users\\Okafor\\Mercy General\\"/></mc:Choice></mc:AlternateContent><sheets><sheet name="Falls" sheetId="1" r:id="rId1"/></sheets></workbook>"""  # noqa: E501

XL_COMMENTS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>Dr. Jane Okafor</author></authors><commentList><comment ref="A1" authorId="0"><text><r><t>Count checked twice.</t></r></text></comment></commentList></comments>"""  # noqa: E501


def office_file(kind: str = "docx", extra: dict | None = None) -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    main_type = TYPES[kind].content_type + ".main+xml"
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(main=main, main_type=main_type),
        "_rels/.rels": ROOT_RELS.format(main=main),
        "docProps/core.xml": CORE, "docProps/app.xml": APP, "docProps/custom.xml": CUSTOM,
    }
    if kind == "docx":
        parts |= {main: DOCUMENT, "word/comments.xml": COMMENTS, "word/people.xml": PEOPLE}
    else:
        parts |= {main: WORKBOOK, "xl/comments1.xml": XL_COMMENTS}
    parts |= extra or {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def pdf_file(pages: int = 2, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(300, 300)
    writer.add_metadata({"/Author": "Dr. Jane Okafor", "/Creator": "Mercy General scanner",
                         "/Producer": "Mercy General PDF", "/Title": "Ward 7 falls"})
    xmp = writer._add_object(  # an XMP stream naming the author, as Acrobat writes one
        _stream(b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>'
                b"Pat Quinlan</dc:creator></x:xmpmeta><?xpacket end=\"w\"?>"))
    writer.root_object[NameObject("/Metadata")] = xmp
    annotation = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Text"),
        NameObject("/Rect"): ArrayObject([]), NameObject("/T"): TextStringObject("Risk Office"),
        NameObject("/Contents"): TextStringObject("Check the pump log.")})
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stream(data: bytes):
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    return stream


def assert_no_secret(data: bytes):
    for secret in SECRETS:
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-be") not in data, secret


def attach(world, name, content):
    report = ReportFactory(hospital=world.hospital, reporter=world.staff)
    return attachments.attachments_add(
        report=report, actor=world.staff,
        membership=world.hospital.memberships.get(user=world.staff),
        uploads=[SimpleUploadedFile(name, content)])[0]


# --- Word and Excel -------------------------------------------------------------------------


def test_the_test_documents_carry_every_detail():
    for kind in ("docx", "xlsx"):
        parts = b"".join(unzipped(office_file(kind)).values())
        for secret in ("Dr. Jane Okafor", "Mercy General", "jokafor@mercy.example"):
            assert secret.encode() in parts


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_an_attached_office_file_is_stored_without_who_made_it(world, kind):
    attachment = attach(world, f"review.{kind}", office_file(kind))
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert attachment.metadata_removed and attachment.size == len(content)
    parts = unzipped(content)
    assert_no_secret(content)
    assert_no_secret(b"".join(parts.values()))
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    assert main in parts and "[Content_Types].xml" in parts
    assert "docProps/custom.xml" not in parts
    assert b"custom" not in parts["_rels/.rels"]
    assert b"custom" not in parts["[Content_Types].xml"]
    for data in parts.values():
        ET.fromstring(data)  # every part still parses
    core = ET.fromstring(parts["docProps/core.xml"])
    assert [child.tag.rsplit("}", 1)[1] for child in core] == [
        "title", "subject", "creator", "keywords", "description", "lastModifiedBy", "revision",
        "category"]
    assert all(not (child.text or "").strip() for child in core if child.tag.endswith(
        ("title", "creator", "lastModifiedBy", "category")))
    if kind == "docx":
        document = parts[main].decode()
        # The body, its prefixes and the declarations Word needs are as they were.
        assert 'mc:Ignorable="w14"' in document and 'xmlns:w14=' in document
        assert "The pump alarm was silenced &amp; the dose was late. " in document
        assert 'w:author="Author"' in document and "<w:sectPr/>" in document
        assert b'w:author="Author"' in parts["word/comments.xml"]
        assert b"presenceInfo" not in parts["word/people.xml"]
    else:
        assert b"<author>Author</author>" in parts["xl/comments1.xml"]
        assert b"absPath" not in parts[main] and b'<sheet name="Falls"' in parts[main]
        assert b"Count checked twice." in parts["xl/comments1.xml"]


@pytest.mark.django_db
def test_the_list_says_the_author_was_removed(world, client_for):
    attachment = attach(world, "review.docx", office_file("docx"))
    page = client_for(world.staff).get(
        reverse("report-attachments", args=[attachment.report.public_id])).content.decode()
    assert "Details such as the author were removed from the file" in page
    assert "Location and camera details" not in page


def test_a_doctype_in_a_part_is_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:document xmlns:w="' + W + '">'
              '&lol2;</w:document>')
    with pytest.raises(Refused, match="DOCTYPE"):
        office_without_metadata(office_file("docx", {"word/document.xml": laughs}))
    plain_doctype = '<?xml version="1.0"?><!DOCTYPE Types><Types xmlns="' + CT + '"/>'
    with pytest.raises(Refused):
        office_without_metadata(office_file("docx", {"word/footer1.xml": plain_doctype}))


@pytest.mark.django_db
def test_a_doctype_is_refused_at_upload_with_a_way_to_fix_it(world):
    external = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                '<x>&e;</x>')
    with pytest.raises(ValidationError) as error:
        attach(world, "review.docx", office_file("docx", {"word/header1.xml": external}))
    assert "save it again as .docx" in str(error.value)


def test_a_zip_bomb_is_refused_before_it_expands():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/media/zeros.bin", b"\x00" * (MAX_EXPANDED_BYTES + 1))
    assert len(out.getvalue()) < 200_000
    with pytest.raises(Refused, match="expands"):
        office_without_metadata(out.getvalue())


def test_a_zip_header_understating_a_part_does_not_let_it_expand(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/media/zeros.bin", b"\x00" * 2_000_000)
    monkeypatch.setattr("chpso_portal.uploads.MAX_EXPANDED_BYTES", 1_000_000)
    original = zipfile.ZipFile.infolist

    def understated(self):
        infos = original(self)
        for info in infos:
            info.file_size = 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", understated)
    with pytest.raises(Refused):
        office_without_metadata(out.getvalue())


def test_too_many_parts_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for number in range(2001):
            archive.writestr(f"word/media/{number}.xml", "<x/>")
    with pytest.raises(Refused, match="too many parts"):
        office_without_metadata(out.getvalue())


# --- PDF ------------------------------------------------------------------------------------


def test_the_test_pdf_carries_every_detail():
    content = pdf_file()
    # pypdf writes the "." of "Dr." as \056: the surname and the XMP are read as written.
    assert b"Okafor" in content and b"Mercy General" in content and b"Pat Quinlan" in content
    assert b"Risk Office" in content
    assert PdfReader(io.BytesIO(content)).metadata.author == "Dr. Jane Okafor"


@pytest.mark.django_db
def test_an_attached_pdf_is_stored_without_its_author_and_keeps_its_pages(world):
    attachment = attach(world, "log.pdf", pdf_file(pages=3))
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert attachment.metadata_removed
    assert_no_secret(content)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 3
    assert reader.metadata is None and reader.xmp_metadata is None
    assert "/Info" not in reader.trailer and "/Metadata" not in reader.trailer["/Root"]
    assert b"\\056 Jane" not in content
    annotation = reader.pages[0]["/Annots"][0].get_object()
    assert annotation["/T"] == "Author" and annotation["/Contents"] == "Check the pump log."


@pytest.mark.django_db
def test_an_encrypted_pdf_is_refused_with_a_way_to_fix_it(world):
    with pytest.raises(ValidationError) as error:
        attach(world, "log.pdf", pdf_file(password="secret"))
    assert "save it again as PDF without a password" in str(error.value)


def test_a_pdf_that_cannot_be_read_is_refused():
    with pytest.raises(Refused):
        pdf_without_metadata(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def test_plain_text_is_kept_as_it_is():
    upload = SimpleUploadedFile("notes.txt", b"Bed alarm too quiet.")
    assert cleaned(upload, TYPES["txt"]) == (b"Bed alarm too quiet.", False)

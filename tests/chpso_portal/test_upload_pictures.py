"""Pictures inside Word and Excel files: a photo pasted into a document keeps no EXIF (GPS,
camera, owner, time) once the file is stored, and the document's thumbnail (its first page as
last saved) is left out with its relationship and content type, so the file still opens."""

import io
import posixpath
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageStat, PngImagePlugin

from chpso_portal.uploads import TYPES, Refused, cleaned, office_without_metadata

from .test_upload_cleaning import CT, RELS, attach, office_file, unzipped

GPS = 0x8825
OWNER, MAKE, ORIENTATION = 0x013B, 0x010F, 0x0112
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
THUMB_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
DOC_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
           "officeDocument")
CORE_REL = ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
            "core-properties")


def photo(kind: str = "JPEG", *, orientation: int | None = None, size=(64, 48)) -> bytes:
    """A photo as a phone writes it: where it was taken, whose phone, which camera."""
    image = Image.new("RGB", size)
    for x in range(size[0]):
        for y in range(size[1]):
            image.putpixel((x, y), (x * 4 % 256, y * 5 % 256, (x + y) * 3 % 256))
    exif = Image.Exif()
    exif[OWNER] = "Nell Nightly"
    exif[MAKE] = "Mercy General phone 7"
    exif[GPS] = {1: "N", 2: (42.0, 21.0, 30.0), 3: "W", 4: (71.0, 3.0, 40.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", exif=exif, comment=b"room 12 bed 2", quality=95)
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Nell Nightly")
        image.save(out, "PNG", exif=exif, pnginfo=text)
    return out.getvalue()


def logo() -> bytes:
    """A palette PNG whose background is transparent."""
    image = Image.new("P", (20, 10), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    for x in range(5, 15):
        image.putpixel((x, 5), 1)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


def document(kind: str, media: dict[str, bytes], *, thumbnail: bytes | None = None) -> bytes:
    """A Word or Excel file holding `media` (name in the media folder -> bytes), each linked
    from the main part's relationships, and a thumbnail as Word and Excel save one."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    folder = posixpath.dirname(main)
    main_type = TYPES[kind].content_type + ".main+xml"
    overrides = (f'<Override PartName="/{main}" ContentType="{main_type}"/>'
                 '<Override PartName="/docProps/core.xml" ContentType="application/'
                 'vnd.openxmlformats-package.core-properties+xml"/>')
    if thumbnail:
        overrides += ('<Override PartName="/docProps/thumbnail.jpeg" '
                      'ContentType="image/jpeg"/>')
    types = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{CT}">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Default Extension="jpeg" ContentType="image/jpeg"/>'
             f'<Default Extension="png" ContentType="image/png"/>{overrides}</Types>')
    root = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_REL}" Target="{main}"/>'
            f'<Relationship Id="rId2" Type="{CORE_REL}" Target="docProps/core.xml"/>'
            + (f'<Relationship Id="rId3" Type="{THUMB_REL}" Target="docProps/thumbnail.jpeg"/>'
               if thumbnail else "") + "</Relationships>")
    links = "".join(f'<Relationship Id="rIdImg{i}" Type="{IMAGE_REL}" Target="media/{name}"/>'
                    for i, name in enumerate(media))
    parts = {"[Content_Types].xml": types, "_rels/.rels": root,
             f"{folder}/_rels/{posixpath.basename(main)}.rels":
                 f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 f'<Relationships xmlns="{RELS}">{links}</Relationships>'}
    parts |= {f"{folder}/media/{name}": data for name, data in media.items()}
    if thumbnail:
        parts["docProps/thumbnail.jpeg"] = thumbnail
    return office_file(kind, parts)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_every_relationship_has_its_part(parts: dict[str, bytes]):
    """What a word processor checks first when it opens the file."""
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        source = posixpath.dirname(posixpath.dirname(name))
        for rel in ET.fromstring(data):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(source, target))
            assert path in parts, f"{name} points to {target}, which is not in the file"
    types = ET.fromstring(parts["[Content_Types].xml"])
    for override in types.findall(f"{{{CT}}}Override"):
        assert override.get("PartName").lstrip("/") in parts, override.get("PartName")


def test_the_test_photos_carry_a_location_and_an_owner():
    for kind in ("JPEG", "PNG"):
        exif = opened(photo(kind)).getexif()
        assert exif[OWNER] == "Nell Nightly" and exif.get_ifd(GPS)[1] == "N"
    assert opened(photo()).info["comment"] == b"room 12 bed 2"
    parts = unzipped(document("docx", {"image1.jpeg": photo()}, thumbnail=photo()))
    assert b"Nell Nightly" in parts["word/media/image1.jpeg"]
    assert "docProps/thumbnail.jpeg" in parts


@pytest.mark.parametrize("kind, folder", [("docx", "word"), ("xlsx", "xl")])
def test_pictures_in_a_document_lose_their_exif_and_keep_their_pixels(kind, folder):
    originals = {"image1.jpeg": photo(), "image2.png": photo("PNG")}
    parts = unzipped(office_without_metadata(document(kind, originals, thumbnail=photo())))
    for name, original in originals.items():
        stored = parts[f"{folder}/media/{name}"]
        assert b"Nell Nightly" not in stored and b"Mercy General" not in stored
        assert b"room 12 bed 2" not in stored
        image, before = opened(stored), opened(original)
        assert image.format == before.format and image.size == before.size
        assert not image.getexif(), dict(image.getexif())
        assert not {"comment", "exif", "Author", "xmp"} & set(image.info)
        difference = ImageChops.difference(image.convert("RGB"), before.convert("RGB"))
        if before.format == "PNG":
            assert difference.getbbox() is None  # the very same pixels
        else:  # the same picture, give or take the JPEG encoding
            assert max(ImageStat.Stat(difference).mean) < 4


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_the_thumbnail_is_left_out_and_the_file_still_opens(kind):
    parts = unzipped(office_without_metadata(document(
        kind, {"image1.jpeg": photo()}, thumbnail=photo())))
    assert not [name for name in parts if name.lower().startswith("docprops/thumbnail")]
    assert b"thumbnail" not in parts["_rels/.rels"]
    assert b"thumbnail" not in parts["[Content_Types].xml"]
    # The pictures' own content types stay: the document's pictures use them.
    assert b'Extension="jpeg"' in parts["[Content_Types].xml"]
    assert b"officeDocument" in parts["_rels/.rels"] and b"core-properties" in parts[
        "_rels/.rels"]
    assert_every_relationship_has_its_part(parts)
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)


def test_a_turned_photo_keeps_only_its_orientation():
    original = photo(orientation=6)
    parts = unzipped(office_without_metadata(document("docx", {"image1.jpeg": original})))
    image = opened(parts["word/media/image1.jpeg"])
    assert dict(image.getexif()) == {ORIENTATION: 6}  # shown turned, as before
    assert image.size == opened(original).size  # the pixels are not turned


def test_a_transparent_logo_stays_transparent():
    original = logo()
    parts = unzipped(office_without_metadata(document("docx", {"image1.png": original})))
    image = opened(parts["word/media/image1.png"])
    assert image.convert("RGBA").getpixel((0, 0))[3] == 0
    assert image.convert("RGBA").getpixel((6, 5)) == (200, 0, 0, 255)


def test_a_picture_named_otherwise_is_found_by_its_content():
    parts = unzipped(office_without_metadata(document("docx", {"image1.bin": photo()})))
    assert b"Nell Nightly" not in parts["word/media/image1.bin"]
    assert opened(parts["word/media/image1.bin"]).format == "JPEG"


def test_other_media_are_kept_as_they_are():
    drawing = b"\x01\x00\x00\x00" + b"an EMF drawing" * 10
    parts = unzipped(office_without_metadata(document("docx", {"image1.emf": drawing})))
    assert parts["word/media/image1.emf"] == drawing


def test_a_picture_that_cannot_be_read_refuses_the_file():
    broken = photo()[:40] + b"\x00" * 200
    with pytest.raises(Refused):
        office_without_metadata(document("docx", {"image1.jpeg": broken}))
    upload = SimpleUploadedFile("review.docx", document("docx", {"image1.jpeg": broken}))
    with pytest.raises(ValidationError) as caught:
        cleaned(upload, TYPES["docx"])
    assert "save it again as .docx" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize("kind, folder", [("docx", "word"), ("xlsx", "xl")])
def test_an_attached_document_is_stored_with_clean_pictures_and_no_thumbnail(world, kind,
                                                                             folder):
    attachment = attach(world, f"photos.{kind}",
                        document(kind, {"image1.jpeg": photo()}, thumbnail=photo()))
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert attachment.metadata_removed and attachment.size == len(content)
    parts = unzipped(content)
    assert b"Nell Nightly" not in content
    assert not any(b"Nell Nightly" in data or b"room 12 bed 2" in data
                   for data in parts.values())
    assert not opened(parts[f"{folder}/media/image1.jpeg"]).getexif()
    assert "docProps/thumbnail.jpeg" not in parts
    assert_every_relationship_has_its_part(parts)

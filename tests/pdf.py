"""Reading a PDF back in tests: each page's text, and the QR codes a phone camera would see on it."""

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader

ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, without the invisible bidi isolates that right-to-left letters put around values."""
    return [page.extract_text().translate(ISOLATES) for page in PdfReader(io.BytesIO(pdf)).pages]


def page_qr_codes(pdf: bytes) -> list[list[str]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            [barcode.text for barcode in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]
            for page in document
        ]
    finally:
        document.close()

"""Documents the appliance prints: PDFs (weasyprint), QR codes (qrcode), SVG charts."""

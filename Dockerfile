# HRDD Survey: a release build in a Rust image, run from a slim Debian image.
#
#   docker build -t hrdd-survey .
#   docker run -e DATABASE_URL=postgres://user:password@host:5432/hrdd -p 8080:8080 hrdd-survey
#
# See docker-compose.yml for the full shape (app, PostgreSQL, SMTP catcher).

FROM rust:1-bookworm AS build
WORKDIR /src
# Compiled into the binary: migrations/ (embed_migrations!), templates/ (askama) and
# static/ (include_str!). survey_templates/ is read at run time; it is copied so that the
# build context matches what the binary is checked against.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY survey_templates ./survey_templates
RUN cargo build --release --locked \
    && install -m 0755 target/release/hrdd-survey /usr/local/bin/hrdd-survey \
    && /usr/local/bin/hrdd-survey check-templates survey_templates

FROM debian:bookworm-slim
# fonts-noto-cjk: the font receipt PDFs are set in (Japanese, Chinese, Vietnamese;
# HRDD_PDF_FONT, default /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc). The
# service refuses to start without it. fonts-noto-core and fonts-noto-color-emoji: the
# fallbacks for the scripts it lacks (Thai, Burmese, Khmer, Lao, Devanagari, Bengali,
# Sinhala, Tamil, Arabic and Urdu, Hebrew, emoji; HRDD_PDF_FALLBACK_FONTS), drawn as
# empty boxes without them. Only the glyphs a receipt uses are embedded.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates fonts-noto-cjk \
        fonts-noto-core fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/hrdd --shell /usr/sbin/nologin hrdd \
    && install -d -o hrdd -g hrdd -m 0750 /var/lib/hrdd
COPY --from=build /usr/local/bin/hrdd-survey /usr/local/bin/hrdd-survey
COPY --from=build /src/survey_templates /opt/hrdd/survey_templates
ENV HRDD_TEMPLATES_DIR=/opt/hrdd/survey_templates \
    HRDD_LISTEN=0.0.0.0:8080 \
    HRDD_DATA_DIR=/var/lib/hrdd
USER hrdd
WORKDIR /var/lib/hrdd
EXPOSE 8080
CMD ["hrdd-survey", "serve"]

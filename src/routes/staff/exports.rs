//! `/staff/exports`: a campaign's responses, the flags and the corrective action plans, as CSV or XLSX, labels in a
//! chosen language. Both are streamed: CSV as a chunked body written page by page from
//! the database; XLSX written row by row in constant memory to a temporary file, which
//! is then sent in chunks (and deleted).

use super::{render, AppState, PageError};
use crate::auth::principal::StaffUser;
use crate::domain::csv_file;
use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::services::{exports, listings};
use crate::views::data::{ExportCampaign, ExportsPage};
use crate::views::exports::{self as files, XlsxSheet};
use crate::views::staff::StaffNav;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::sync::Arc;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(exports_page)
        .service(export_responses)
        .service(export_flags)
        .service(export_plans)
        .service(export_audit);
}

#[get("/staff/exports")]
async fn exports_page(
    state: web::Data<AppState>,
    user: StaffUser,
) -> Result<HttpResponse, PageError> {
    let mut conn = state.pool.get().await?;
    let campaigns = listings::campaigns(&mut conn)
        .await?
        .into_iter()
        .map(|c| ExportCampaign {
            id: c.campaign.id.to_string(),
            name: c.campaign.name,
            questionnaire: format!("{} v{}", c.template_id, c.version),
            responses: c.responses,
        })
        .collect();
    Ok(render(&ExportsPage {
        lang: "en".into(),
        title: "Exports".into(),
        nav: StaffNav::new(&user, "/staff/exports"),
        campaigns,
        languages: Lang::ALL
            .iter()
            .map(|l| (l.code().to_string(), l.native_name().to_string()))
            .collect(),
    })?)
}

#[derive(Deserialize)]
struct ExportQuery {
    campaign: Option<String>,
    lang: Option<String>,
    format: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum FileFormat {
    Csv,
    Xlsx,
}

struct Parsed {
    campaign: Option<Uuid>,
    lang: Lang,
    format: FileFormat,
}

fn parse(q: &ExportQuery) -> Result<Parsed, AppError> {
    let campaign = match q
        .campaign
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(
            Uuid::parse_str(raw).map_err(|_| AppError::field("campaign", "not a campaign id"))?,
        ),
    };
    let lang = match q.lang.as_deref().filter(|s| !s.is_empty()) {
        None => Lang::En,
        Some(code) => Lang::parse(code).ok_or_else(|| {
            AppError::field("lang", "unknown language: use one of en, ja, vi, zh")
        })?,
    };
    let format = parse_format(q.format.as_deref())?;
    Ok(Parsed {
        campaign,
        lang,
        format,
    })
}

/// `csv` (the default) or `xlsx`.
fn parse_format(raw: Option<&str>) -> Result<FileFormat, AppError> {
    match raw.unwrap_or("csv") {
        "csv" => Ok(FileFormat::Csv),
        "xlsx" => Ok(FileFormat::Xlsx),
        _ => Err(AppError::field("format", "use csv or xlsx")),
    }
}

/// Just the format (an export whose other parameters are another page's filter).
#[derive(Deserialize)]
struct FormatOnly {
    format: Option<String>,
}

/// Where a page of rows comes from: the state after the last page (`None`: done).
type Pager<K> = Box<
    dyn FnMut(
            Option<K>,
        ) -> futures_util::future::BoxFuture<
            'static,
            Result<(Vec<Vec<String>>, Option<K>), AppError>,
        > + Send,
>;

/// A response that streams `header` then every page of `pager`, as CSV or XLSX.
async fn send<K: Send + 'static>(
    name: &str,
    sheet: &'static str,
    format: FileFormat,
    header_row: Vec<String>,
    mut pager: Pager<K>,
) -> Result<HttpResponse, PageError> {
    match format {
        FileFormat::Csv => {
            let head = Bytes::from(csv_file::file([header_row]));
            // State: the next page's key; `Some(None)` = first page, `None` = done.
            let body = stream::once(async move { Ok::<_, AppError>(head) }).chain(
                stream::try_unfold(Some(None::<K>), move |state| {
                    let next = state.map(&mut pager);
                    async move {
                        let Some(next) = next else {
                            return Ok(None);
                        };
                        let (rows, key) = next.await?;
                        if rows.is_empty() {
                            return Ok(None);
                        }
                        let bytes = Bytes::from(csv_file::lines(&rows));
                        Ok(Some((bytes, key.map(Some))))
                    }
                }),
            );
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ))
                .streaming(body))
        }
        FileFormat::Xlsx => {
            let handle = tokio::runtime::Handle::current();
            let path = tokio::task::spawn_blocking(move || -> Result<_, AppError> {
                let internal = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
                let mut book = XlsxSheet::new(sheet).map_err(internal)?;
                book.header(&header_row).map_err(internal)?;
                let mut key = None;
                loop {
                    let (rows, next) = handle.block_on(pager(key))?;
                    for row in &rows {
                        book.row(row).map_err(internal)?;
                    }
                    match next {
                        Some(k) if !rows.is_empty() && !book.is_full() => key = Some(k),
                        _ => break,
                    }
                }
                let file = tempfile::Builder::new()
                    .prefix("hrdd-export-")
                    .suffix(".xlsx")
                    .tempfile()
                    .map_err(|e| AppError::Internal(e.into()))?
                    .into_temp_path();
                book.save(&file).map_err(internal)?;
                Ok(file)
            })
            .await
            .map_err(|e| AppError::Internal(e.into()))??;
            Ok(HttpResponse::Ok()
                .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.xlsx\""),
                ))
                .streaming(file_chunks(path).await?))
        }
    }
}

/// A file sent in 64 KiB chunks; the temporary file is deleted when the body ends or
/// the client goes away.
async fn file_chunks(
    path: tempfile::TempPath,
) -> Result<impl Stream<Item = Result<Bytes, AppError>>, AppError> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(stream::try_unfold(
        (file, Arc::new(path)),
        |(mut file, path)| async move {
            let mut buf = vec![0u8; 64 * 1024];
            let n = file
                .read(&mut buf)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), (file, path))))
        },
    ))
}

#[get("/staff/exports/responses")]
async fn export_responses(
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, PageError> {
    let p = parse(&query)?;
    let campaign = p
        .campaign
        .ok_or_else(|| AppError::field("campaign", "choose a campaign"))?;
    let export = {
        let mut conn = state.pool.get().await?;
        Arc::new(exports::responses_export(&mut conn, &state.registry, campaign.into()).await?)
    };
    let header_row = files::responses_header(&export, p.lang);
    let version = format!(
        "{} v{}",
        export.questionnaire_id,
        state
            .registry
            .get(export.campaign.template_version_id)
            .map(|v| v.questionnaire.version)
            .unwrap_or_default()
    );
    let lang = p.lang;
    let pool = state.pool.clone();
    let pager: Pager<(String, Uuid)> = Box::new(move |after| {
        let pool = pool.clone();
        let export = export.clone();
        let version = version.clone();
        Box::pin(async move {
            let mut conn = pool.get().await.map_err(|e| AppError::Internal(e.into()))?;
            let page = exports::responses_page(&mut conn, export.campaign.id.uuid(), after).await?;
            let key = page.last().map(|(r, _)| exports::page_key(r));
            let rows = page
                .iter()
                .map(|(r, a)| files::responses_cells(&export, r, a, &version, lang))
                .collect();
            Ok((rows, key))
        })
    });
    send(
        &format!("responses-{campaign}-{}", lang.code()),
        "Responses",
        p.format,
        header_row,
        pager,
    )
    .await
}

#[get("/staff/exports/flags")]
async fn export_flags(
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, PageError> {
    let p = parse(&query)?;
    let lang = p.lang;
    let campaign = p.campaign;
    let pool = state.pool.clone();
    let state2 = state.clone();
    let pager: Pager<Uuid> = Box::new(move |after| {
        let pool = pool.clone();
        let state = state2.clone();
        Box::pin(async move {
            let mut conn = pool.get().await.map_err(|e| AppError::Internal(e.into()))?;
            let page = exports::flags_page(&mut conn, campaign, after).await?;
            let key = page.flags.last().map(|(r, ..)| r.flag.id);
            let rows = page
                .flags
                .iter()
                .map(|(r, d, p)| {
                    let previous = page.previous.get(&r.flag.id);
                    files::flags_cells(r, d, p, previous, &page.people, &state.registry, lang)
                })
                .collect();
            Ok((rows, key))
        })
    });
    let name = match campaign {
        Some(c) => format!("flags-{c}-{}", lang.code()),
        None => format!("flags-{}", lang.code()),
    };
    send(&name, "Flags", p.format, files::flags_header(), pager).await
}

#[get("/staff/exports/action-plans")]
async fn export_plans(
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, PageError> {
    let p = parse(&query)?;
    let lang = p.lang;
    let campaign = p.campaign;
    let pool = state.pool.clone();
    let state2 = state.clone();
    let today = chrono::Utc::now().date_naive();
    let pager: Pager<Uuid> = Box::new(move |after| {
        let pool = pool.clone();
        let state = state2.clone();
        Box::pin(async move {
            let mut conn = pool.get().await.map_err(|e| AppError::Internal(e.into()))?;
            let page = exports::plans_page(&mut conn, campaign, after).await?;
            let key = page.last().map(|r| r.plan_id);
            let rows = page
                .iter()
                .map(|r| files::plans_cells(r, &state.registry, lang, today))
                .collect();
            Ok((rows, key))
        })
    });
    let name = match campaign {
        Some(c) => format!("action-plans-{c}-{}", lang.code()),
        None => format!("action-plans-{}", lang.code()),
    };
    send(
        &name,
        "Corrective actions",
        p.format,
        files::plans_header(),
        pager,
    )
    .await
}

/// The audit entries of the audit page's filter, newest first, every stored column
/// (the chain can be recomputed from the file).
#[get("/staff/exports/audit")]
async fn export_audit(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    format: web::Query<FormatOnly>,
) -> Result<HttpResponse, PageError> {
    let p = super::audit::parse(&super::audit::AuditQuery::from_query_string(
        req.query_string(),
    ));
    if !p.errors.is_empty() {
        // The audit page's messages name their field by its label ("From: not a date").
        let messages: Vec<String> = p.errors.into_iter().map(|(_, m)| m).collect();
        return Err(AppError::BadRequest(messages.join("; ")).into());
    }
    let format = parse_format(format.format.as_deref())?;
    let people = {
        let mut conn = state.pool.get().await?;
        Arc::new(crate::services::audit::staff_emails(&mut conn).await?)
    };
    let filter = Arc::new(p.query);
    let pool = state.pool.clone();
    let pager: Pager<i64> = Box::new(move |before| {
        let pool = pool.clone();
        let filter = filter.clone();
        let people = people.clone();
        Box::pin(async move {
            let mut conn = pool.get().await.map_err(|e| AppError::Internal(e.into()))?;
            let page = crate::services::audit::matching(
                &mut conn,
                &filter,
                &people,
                before,
                exports::PAGE,
            )
            .await?;
            let key = page.last().map(|e| e.id);
            let rows = page
                .iter()
                .map(|e| crate::views::audit::export_cells(e, &people))
                .collect();
            Ok((rows, key))
        })
    });
    let name = format!("audit-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    send(
        &name,
        "Audit log",
        format,
        crate::views::audit::export_header(),
        pager,
    )
    .await
}

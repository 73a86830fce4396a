//! Instant queries against the Prometheus HTTP API (`/api/v1/query`).
//!
//! Every call is bounded by the timeout given to [`Prometheus::new`]
//! (connecting included). Vector and scalar results are decoded; matrix and
//! string results are refused as unsupported for a gate.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a query gave no value.
#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error("not a usable Prometheus URL: {0}")]
    Url(String),
    #[error("Prometheus did not answer within {0:?}")]
    Timeout(Duration),
    #[error("could not reach Prometheus: {0}")]
    Http(String),
    /// Prometheus answered `"status": "error"` (bad PromQL, timeout on its side…).
    #[error("Prometheus refused the query ({status}, {error_type}): {error}")]
    Api {
        status: u16,
        error_type: String,
        error: String,
    },
    /// A non-success HTTP status without a Prometheus error body.
    #[error("Prometheus answered HTTP {0}")]
    Status(u16),
    #[error("Prometheus sent an answer that is not the query API's: {0}")]
    Decode(String),
    #[error("a {0} result cannot feed a gate (vector or scalar expected)")]
    Unsupported(String),
}

/// One series of a vector result.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    /// Evaluation time, Unix seconds.
    pub at: f64,
    pub value: f64,
}

/// The result of an instant query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Vector(Vec<Series>),
    Scalar { at: f64, value: f64 },
}

impl QueryResult {
    /// The one value a gate can use: a scalar, or a vector of exactly one
    /// series. `None` for an empty or multi-series vector.
    pub fn single_value(&self) -> Option<f64> {
        match self {
            QueryResult::Scalar { value, .. } => Some(*value),
            QueryResult::Vector(v) if v.len() == 1 => Some(v[0].value),
            QueryResult::Vector(_) => None,
        }
    }
}

/// A Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    endpoint: reqwest::Url,
    client: reqwest::Client,
    timeout: Duration,
}

impl Prometheus {
    /// `base` is the server's root, such as `http://127.0.0.1:9090` (a path
    /// prefix is kept: `http://host/prom`).
    pub fn new(base: &str, timeout: Duration) -> Result<Prometheus, PromError> {
        let mut url = reqwest::Url::parse(base).map_err(|e| PromError::Url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(PromError::Url(format!("{base}: http or https expected")));
        }
        let path = format!("{}/api/v1/query", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(None);
        greenlight_probe::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| PromError::Http(e.to_string()))?;
        Ok(Prometheus {
            endpoint: url,
            client,
            timeout,
        })
    }

    /// Runs an instant query, at `at` (Unix seconds) or now.
    pub async fn query(&self, promql: &str, at: Option<f64>) -> Result<QueryResult, PromError> {
        let mut url = self.endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("query", promql);
            if let Some(at) = at {
                q.append_pair("time", &at.to_string());
            }
        }
        let timeout = |e: reqwest::Error| {
            if e.is_timeout() {
                PromError::Timeout(self.timeout)
            } else {
                PromError::Http(e.to_string())
            }
        };
        let resp = self.client.get(url).send().await.map_err(timeout)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(timeout)?;
        decode(status, &body)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    status: String,
    data: Option<Data>,
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

fn number(s: &str) -> Result<f64, PromError> {
    // Prometheus writes NaN, +Inf and -Inf; Rust reads them all.
    s.parse()
        .map_err(|_| PromError::Decode(format!("{s:?} is not a sample value")))
}

fn decode(status: u16, body: &[u8]) -> Result<QueryResult, PromError> {
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(_) if !(200..300).contains(&status) => return Err(PromError::Status(status)),
        Err(e) => return Err(PromError::Decode(e.to_string())),
    };
    if env.status != "success" {
        return Err(PromError::Api {
            status,
            error_type: env.error_type.unwrap_or_else(|| "unknown".into()),
            error: env.error.unwrap_or_default(),
        });
    }
    let data = env
        .data
        .ok_or_else(|| PromError::Decode("success without data".into()))?;
    let bad = |e: serde_json::Error| PromError::Decode(e.to_string());
    match data.result_type.as_str() {
        "vector" => {
            let raw: Vec<RawSeries> = serde_json::from_value(data.result).map_err(bad)?;
            raw.into_iter()
                .map(|r| {
                    Ok(Series {
                        labels: r.metric,
                        at: r.value.0,
                        value: number(&r.value.1)?,
                    })
                })
                .collect::<Result<_, _>>()
                .map(QueryResult::Vector)
        }
        "scalar" => {
            let (at, v): (f64, String) = serde_json::from_value(data.result).map_err(bad)?;
            Ok(QueryResult::Scalar {
                at,
                value: number(&v)?,
            })
        }
        other => Err(PromError::Unsupported(other.to_string())),
    }
}

#[cfg(test)]
mod tests;

//! A WebSocket client of the gateway's `/api/ws` that records the events it receives.

use super::*;

/// Every frame received on `/api/ws`, reconnecting if the connection drops.
pub(crate) struct Events {
    pub(crate) frames: Arc<Mutex<Vec<Value>>>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

impl Events {
    pub(crate) async fn connect(url: &str) -> anyhow::Result<Events> {
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        // The server greets first: once the hello is here, the subscription exists.
        let hello = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no hello frame on /api/ws")?;
        let first = match hello {
            Some(Ok(Message::Text(t))) => serde_json::from_str::<Value>(&t).unwrap_or_default(),
            other => bail!("unexpected first frame on /api/ws: {other:?}"),
        };
        ensure!(first["type"] == "hello", "first frame: {first}");
        let frames = Arc::new(Mutex::new(vec![first]));
        let sink = frames.clone();
        let url = url.to_owned();
        let task = tokio::spawn(async move {
            let mut socket = Some(socket);
            loop {
                if let Some(mut s) = socket.take() {
                    while let Some(Ok(msg)) = s.next().await {
                        if let Message::Text(t) = msg
                            && let Ok(v) = serde_json::from_str::<Value>(&t)
                        {
                            sink.lock().unwrap_or_else(|p| p.into_inner()).push(v);
                        }
                    }
                    sink.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(json!({"type": "(disconnected)"}));
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Ok((s, _)) = tokio_tungstenite::connect_async(&url).await {
                    socket = Some(s);
                }
            }
        });
        Ok(Events { frames, task })
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.frames.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn progress_stages(&self, source_id: &str) -> BTreeSet<String> {
        self.lock()
            .iter()
            .filter(|f| f["type"] == "source.progress" && f["source_id"] == source_id)
            .filter_map(|f| f["stage"].as_str().map(str::to_owned))
            .collect()
    }

    pub(crate) fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for f in self.lock().iter() {
            let kind = f["type"].as_str().unwrap_or("?").to_owned();
            *counts.entry(kind).or_insert(0) += 1;
        }
        counts
    }
}

// ---- services ------------------------------------------------------------------------------

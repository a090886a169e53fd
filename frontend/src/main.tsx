// Entry point: server state in TanStack Query, live events over one WebSocket, routes.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { LiveEvents } from "./live/events";
import { LiveContext } from "./live/context";
import App from "./App";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // 4xx replies are answers, not glitches: retrying them only delays the error state.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

const live = new LiveEvents(queryClient);

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <LiveContext.Provider value={live}>
          <BrowserRouter>
            <App live={live} />
          </BrowserRouter>
        </LiveContext.Provider>
      </QueryClientProvider>
    </StrictMode>,
  );
}

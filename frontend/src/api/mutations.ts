// Mutations used from more than one screen, so each does the same thing everywhere. Re-compiling
// a source is offered in the Inbox (retry), on the source screen and on an article.
import { useContext } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LiveContext } from "../live/context";
import { api } from "./client";

/**
 * Queues a re-compile of the given sources (one after the other), then refetches every view of
 * them: the Inbox lists, each source, the jobs and the articles. The live stage line of each
 * source is forgotten first: a finished line from the previous run would otherwise show the old
 * outcome until the refetched row (now `pending`) arrives, while events of the new run, which can
 * only come after the request, are kept.
 */
export function useRecompile({ offline = false, approve = false }: { offline?: boolean; approve?: boolean } = {}) {
  const queryClient = useQueryClient();
  // Optional: screens rendered without the live connection (tests, the reader) still re-compile.
  const live = useContext(LiveContext);
  return useMutation({
    mutationFn: async (sourceIds: readonly string[]) => {
      for (const id of sourceIds) {
        live?.clearStage(id);
        await (offline ? api.compileOffline(id) : approve ? api.approveCompile(id) : api.recompileSource(id));
      }
    },
    // Also after a failure: the sources queued before it did change.
    onSettled: (_data, _error, sourceIds) => {
      void queryClient.invalidateQueries({ queryKey: ["sources"] });
      for (const id of sourceIds) void queryClient.invalidateQueries({ queryKey: ["source", id] });
      void queryClient.invalidateQueries({ queryKey: ["jobs"] });
      void queryClient.invalidateQueries({ queryKey: ["article"] });
      void queryClient.invalidateQueries({ queryKey: ["settings"] });
    },
  });
}

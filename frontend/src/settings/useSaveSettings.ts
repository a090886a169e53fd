// Saving a change on the Settings screen: every save answers with the whole screen's view,
// which replaces the cached one at once and is then read again.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { SettingsView } from "../api/types";

export function useSaveSettings<T>(save: (value: T) => Promise<SettingsView>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: save,
    onSuccess: (view) => {
      queryClient.setQueryData(["settings"], view);
      void queryClient.invalidateQueries({ queryKey: ["settings"] });
    },
  });
}

// The Sort control of a long list: one select whose options each name a sort and its
// direction in plain words ("Title A–Z"), so nobody has to combine two controls.
import { orderKey, type SortMenu } from "./listOrder";
import type { OrderState } from "./useListOrder";

export default function SortSelect<S extends string>({
  menu,
  state,
  label,
}: {
  menu: SortMenu<S>;
  state: OrderState<S>;
  /** The select's accessible name ("Sort articles"): the visible "Sort" does not say what. */
  label: string;
}) {
  return (
    <label className="sort-select">
      <span>Sort</span>
      <select aria-label={label} value={orderKey(state.order)} onChange={(e) => state.choose(e.target.value)}>
        {menu.choices.map((choice) => (
          <option key={orderKey(choice)} value={orderKey(choice)}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
